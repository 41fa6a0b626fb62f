import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { CI_COORDINATOR_LABEL, CI_JOB_LABEL, ciContainerName } from '@sockerless/sdk';
import type { JobPayload } from './gitlab-api';
import type { TraceStream } from './trace';
import { collectArtifacts, extractInto } from './artifacts';

const run = promisify(execFile);
export const COORDINATOR = 'gitlab';
const POOL_LABEL = 'com.sockerless.pool';

/** Why a job did not succeed, in GitLab's failure_reason words. */
export class JobFailure extends Error {
  constructor(readonly reason: 'script_failure' | 'runner_system_failure' | 'job_execution_timeout' | 'image_pull_failure', message: string, readonly exitCode?: number) {
    super(message);
  }
}

/** Uploads this job's archive, downloads a dependency's (the coordinator's GitLab client). */
export interface ArtifactTransfer {
  upload(zip: Buffer, expireIn: string | null | undefined): Promise<void>;
  download(dependencyId: number, token: string): Promise<Buffer>;
}

export interface ExecutorSettings {
  defaultImage: string;
  pool?: string;
  buildsDir: string;
}

/** The names of everything a job makes, derived from its id, so that a restart finds (and removes) them. */
export function jobResources(jobId: number) {
  const base = ciContainerName(COORDINATOR, jobId);
  return { build: base, network: `${base}-network`, service: (i: number) => `${base}-service-${i}` };
}

/**
 * GitLab's service aliases: the ones given, and the two GitLab derives from the image without tag, digest and
 * registry port (`registry.example.com:4999/tutum/wordpress:latest` is reachable as
 * `registry.example.com__tutum__wordpress` and `registry.example.com-tutum-wordpress`; GitLab's services docs).
 */
export function serviceAliases(image: string, alias?: string | null): string[] {
  const repo = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '').replace(/:\d+\//, '/');
  const names = [repo.replace(/\//g, '__'), repo.replace(/\//g, '-')];
  return [...new Set([...(alias ? alias.split(',').map((a) => a.trim()).filter(Boolean) : []), ...names])];
}

/**
 * GitLab Runner's docker executor on the Docker API: a network per job, each service a sibling container on it
 * under its aliases, the build container from the job's image (kept alive with a sleep loop), the sources
 * cloned here and copied in through the archive API, then the `script` step and the `after_script` step as
 * execs with the job's variables. Output goes to `trace`. Aborting `signal` kills everything at once.
 */
export class DockerJobExecutor {
  constructor(private readonly docker: Docker, private readonly settings: ExecutorSettings) {}

  private labels(job: JobPayload): Record<string, string> {
    return { [CI_COORDINATOR_LABEL]: COORDINATOR, [CI_JOB_LABEL]: String(job.id), ...(this.settings.pool ? { [POOL_LABEL]: this.settings.pool } : {}) };
  }

  projectDir(job: JobPayload): string {
    const path = new URL(job.git_info.repo_url).pathname.replace(/^\//, '').replace(/\.git$/, '');
    return `${this.settings.buildsDir}/${path}`;
  }

  /** Where file-type variables are written: beside the project dir, as GitLab Runner's `<project>.tmp`. */
  private tmpDir(job: JobPayload): string {
    return `${this.projectDir(job)}.tmp`;
  }

  /** The job's variables; a file-type one is the path of a file holding its value (written at checkout). */
  private env(job: JobPayload): string[] {
    const vars = [
      ...job.variables.map((v) => (v.file ? { key: v.key, value: `${this.tmpDir(job)}/${v.key}` } : v)),
      { key: 'CI_PROJECT_DIR', value: this.projectDir(job) }, { key: 'CI_BUILDS_DIR', value: this.settings.buildsDir },
    ];
    return vars.map((v) => `${v.key}=${v.value}`);
  }

  /** Resolves when the job succeeded; throws JobFailure for a failed script or setup. */
  async run(job: JobPayload, trace: TraceStream, signal: AbortSignal, transfer: ArtifactTransfer): Promise<void> {
    const names = jobResources(job.id);
    const labels = this.labels(job);
    const env = this.env(job);
    await this.docker.createNetwork({ Name: names.network, Labels: labels, CheckDuplicate: true });
    const onNetwork = (aliases: string[]) => ({
      HostConfig: { NetworkMode: names.network },
      NetworkingConfig: { EndpointsConfig: { [names.network]: { Aliases: aliases } } },
    });
    for (const [i, service] of (job.services ?? []).entries()) {
      signal.throwIfAborted();
      trace.write(`Starting service ${service.name}...\n`);
      const c = await this.create(service.name, {
        name: names.service(i), Image: service.name, Env: env, Labels: labels,
        ...(service.entrypoint ? { Entrypoint: service.entrypoint } : {}), ...(service.command ? { Cmd: service.command } : {}),
        ...onNetwork(serviceAliases(service.name, service.alias)),
      });
      await c.start();
    }
    const image = job.image?.name ?? this.settings.defaultImage;
    signal.throwIfAborted();
    const build = await this.create(image, {
      name: names.build, Image: image, Env: env, Labels: labels, WorkingDir: '/',
      // Kept alive for the execs; the job's own entrypoint would run instead of the shell GitLab Runner drives.
      Entrypoint: ['/bin/sh', '-c'], Cmd: ['trap "exit 0" TERM INT; while :; do sleep 1; done'],
      ...onNetwork(['build']),
    });
    await build.start();
    signal.throwIfAborted();
    await this.checkout(job, build);
    for (const dep of job.dependencies ?? []) {
      if (!dep.artifacts_file) continue;
      signal.throwIfAborted();
      trace.write(`Downloading artifacts for ${dep.name} (${dep.id})...\n`);
      try {
        await extractInto(build, this.projectDir(job), await transfer.download(dep.id, dep.token));
      } catch (err) {
        throw new JobFailure('runner_system_failure', `artifacts of ${dep.name} (${dep.id}): ${(err as Error).message}`);
      }
    }
    const script = job.steps.find((s) => s.name === 'script');
    const after = job.steps.find((s) => s.name === 'after_script');
    let failure: JobFailure | undefined;
    if (script) {
      const code = await this.exec(build, job, script.script, env, trace, signal);
      if (code !== 0) failure = new JobFailure('script_failure', `exit code ${code}`, code);
    }
    if (after && !signal.aborted) await this.exec(build, job, after.script, env, trace, signal);
    const artifacts = job.artifacts?.find((a) => a.artifact_type === undefined || a.artifact_type === 'archive');
    if (artifacts && !signal.aborted && (artifacts.when === 'always' || (artifacts.when === 'on_failure') === !!failure)) {
      const zip = await collectArtifacts(build, this.projectDir(job), artifacts.paths, trace);
      if (zip) await transfer.upload(zip, artifacts.expire_in);
    }
    if (failure) throw failure;
  }

  /** Creates from `image`; a missing image is pulled once (as the executor's `pull_policy: if-not-present`). */
  private async create(image: string, spec: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(spec);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      try {
        const stream = await this.docker.pull(image);
        await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())));
      } catch (pullErr) {
        throw new JobFailure('image_pull_failure', `image ${image}: ${(pullErr as Error).message}`);
      }
      return this.docker.createContainer(spec);
    }
  }

  /**
   * Clones `git_info` here and copies the tree in: the build image need not have git (busybox has not), and
   * the GitLab URL the job carries may be one only this host reaches (a loopback simulator, a VPN).
   */
  private async checkout(job: JobPayload, build: Docker.Container): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'sockerless-ci-gitlab-'));
    try {
      const root = join(dir, 'root');
      const target = join(root, this.projectDir(job));
      mkdirSync(target, { recursive: true });
      const git = (...args: string[]) => run('git', args, { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
      await git('init', '-q', target);
      await git('-C', target, 'fetch', '-q', '--depth', String(job.git_info.depth || 50), job.git_info.repo_url, job.git_info.sha || job.git_info.ref);
      await git('-C', target, 'checkout', '-q', 'FETCH_HEAD');
      await git('-C', target, 'remote', 'add', 'origin', job.git_info.repo_url);
      const tmp = join(root, this.tmpDir(job));
      mkdirSync(tmp, { recursive: true });
      for (const v of job.variables) if (v.file) writeFileSync(join(tmp, v.key), v.value, { mode: 0o600 });
      const tar = spawn('tar', ['-C', root, '-cf', '-', this.projectDir(job).replace(/^\//, ''), this.tmpDir(job).replace(/^\//, '')], { stdio: ['ignore', 'pipe', 'ignore'] });
      const tarFailed = new Promise<never>((_, reject) => tar.once('error', reject));
      tarFailed.catch(() => undefined);
      await Promise.race([build.putArchive(tar.stdout, { path: '/' }), tarFailed]);
    } catch (err) {
      throw new JobFailure('runner_system_failure', `fetching the sources: ${(err as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Runs `lines` with `sh -e` in the project dir, output to the trace; resolves with the exit code. */
  private async exec(build: Docker.Container, job: JobPayload, lines: string[], env: string[], trace: TraceStream, signal: AbortSignal): Promise<number> {
    const exec = await build.exec({ Cmd: ['/bin/sh', '-ec', lines.join('\n')], Env: env, WorkingDir: this.projectDir(job), AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    // Errors after the end (a socket reset while the job is torn down) must not reach the process as unhandled.
    stream.on('error', () => undefined);
    const out = new PassThrough();
    out.on('data', (c: Buffer) => trace.write(c));
    this.docker.modem.demuxStream(stream, out, out);
    await new Promise<void>((resolve) => {
      const done = () => { signal.removeEventListener('abort', done); resolve(); };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
      signal.addEventListener('abort', () => { stream.destroy(); done(); });
    });
    if (signal.aborted) return -1;
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await new Promise((r) => setTimeout(r, 20));
    }
    return (await exec.inspect()).ExitCode ?? 1;
  }

  /** Removes everything the job made (by label and name): containers first, then the network. */
  async cleanup(jobId: number): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${CI_COORDINATOR_LABEL}=${COORDINATOR}`, `${CI_JOB_LABEL}=${jobId}`] } });
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone)));
    await this.docker.getNetwork(jobResources(jobId).network).remove().catch(ignoreGone);
  }

  /** Jobs that have anything (a container or the network) on the engine. */
  async jobsWithResources(): Promise<Set<number>> {
    const ids = new Set<number>();
    for (const c of await this.docker.listContainers({ all: true, filters: { label: [`${CI_COORDINATOR_LABEL}=${COORDINATOR}`] } })) ids.add(Number(c.Labels[CI_JOB_LABEL]));
    for (const n of await this.docker.listNetworks({ filters: { label: [`${CI_COORDINATOR_LABEL}=${COORDINATOR}`] } })) ids.add(Number(n.Labels?.[CI_JOB_LABEL]));
    return ids;
  }
}

function ignoreGone(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 404) throw err;
}
