import type Docker from 'dockerode';
import type { CiCoordinator, Logger, PluginRecords } from '@sockerless/sdk';
import { DockerJobExecutor, JobFailure, COORDINATOR } from './executor';
import type { GitLabApi, JobPayload } from './gitlab-api';
import type { CiGitLabOptions, RunnerConfig } from './options';
import { TraceStream } from './trace';

interface ActiveRunner {
  index: number;
  name: string;
  config: RunnerConfig;
  /** Resolved once (verify or register), shared by the runner's slots; retried until GitLab answers. */
  token?: Promise<string>;
  executor: DockerJobExecutor;
  /** Jobs found in the store at start, run before new ones are asked for. */
  recovered: JobPayload[];
  running: Set<number>;
}

type JobResult = { state: 'success' } | { state: 'failed'; failure_reason: string; exit_code?: number };

const jobRecordId = (id: number) => `job-${id}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A GitLab runner inside the daemon: per configured runner, `concurrency` loops that long-poll
 * `jobs/request` and run what they get with the docker executor. The durability rule of contracts/ci.ts: a
 * job is in the store (`job-<id>`, with its payload) before any container is made for it and leaves the store
 * only after GitLab has its result and its containers are gone. At start, what a killed daemon left is
 * reconciled: containers of no recorded job are removed; a recorded job GitLab still runs is run again from
 * the start (its earlier containers removed first), one it no longer runs (finished, canceled) is dropped.
 */
export class GitLabCoordinator implements CiCoordinator {
  readonly name = COORDINATOR;
  private runners: ActiveRunner[] = [];
  private polls = new AbortController();
  private readonly jobs = new Map<number, AbortController>();
  private loops: Promise<void>[] = [];
  private stopped = true;
  private stored: Array<{ id: string; [k: string]: unknown }> = [];

  constructor(private readonly deps: { options: CiGitLabOptions; api: GitLabApi; docker: Docker; records: PluginRecords; logger: Logger }) {}

  async start(): Promise<void> {
    const { options, records, logger } = this.deps;
    this.stopped = false;
    this.polls = new AbortController();
    const stored = await records.list();
    this.runners = [];
    for (const [index, config] of options.runners.entries()) {
      const executor = new DockerJobExecutor(this.deps.docker, { defaultImage: config.defaultImage, pool: config.pool, buildsDir: options.buildsDir });
      this.runners.push({ index, name: config.name ?? (config.tags.join(',') || 'untagged'), config, executor, recovered: [], running: new Set() });
    }
    this.stored = stored;
    const recorded = new Set<number>();
    for (const r of stored) {
      if (!r.id.startsWith('job-')) continue;
      const payload = r.payload as JobPayload;
      const runner = this.runners[Number(r.runner)] ?? this.runners[0];
      recorded.add(payload.id);
      runner.recovered.push(payload);
    }
    // Containers and networks of jobs with no record: a job that finished just before the crash.
    const executor = this.runners[0].executor;
    for (const id of await executor.jobsWithResources()) {
      if (!recorded.has(id)) await executor.cleanup(id).catch((err: Error) => logger.warn('could not remove a finished job\'s containers', { job: id, err: err.message }));
    }
    if (recorded.size) logger.info('GitLab jobs found in the store at start', { jobs: [...recorded] });
    for (const runner of this.runners) {
      for (let slot = 0; slot < runner.config.concurrency; slot++) this.loops.push(this.slot(runner));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.polls.abort();
    // Running jobs keep their records: the next start runs them again (crash-only, no clean path needed).
    for (const abort of this.jobs.values()) abort.abort();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  status() {
    return this.runners.map((r) => ({ name: r.name, tags: r.config.tags, pool: r.config.pool ?? null, concurrency: r.config.concurrency, running: [...r.running] }));
  }

  /** The runner's authentication token: configured, or registered once and kept in the store. */
  private async runnerToken(index: number, config: RunnerConfig, stored: Array<{ id: string; [k: string]: unknown }>): Promise<string> {
    const { api, records, logger } = this.deps;
    if (config.token) {
      if (!(await api.verify(config.token))) logger.error('GitLab does not know this runner token (runners/verify answered 403)', { runner: config.name ?? index });
      return config.token;
    }
    const id = `runner-${index}`;
    const saved = stored.find((r) => r.id === id && r.registrationToken === config.registrationToken);
    if (saved && (await api.verify(String(saved.token)))) return String(saved.token);
    const token = await api.register(config.registrationToken!, `sockerless ${config.name ?? config.tags.join(',')}`, config.tags, config.runUntagged ?? config.tags.length === 0);
    await records.put({ id, token, registrationToken: config.registrationToken });
    return token;
  }

  /** The runner's token, asked for once per start and again after a failure (GitLab down at boot). */
  private token(runner: ActiveRunner): Promise<string> {
    runner.token ??= this.runnerToken(runner.index, runner.config, this.stored);
    runner.token.catch(() => { runner.token = undefined; });
    return runner.token;
  }

  /** One of the runner's `concurrency` loops; nothing it does may reject (a daemon must not die of a job). */
  private async slot(runner: ActiveRunner): Promise<void> {
    while (!this.stopped) {
      try {
        await this.nextJob(runner);
      } catch (err) {
        this.deps.logger.error('GitLab runner loop error; continuing in 1 s', { runner: runner.name, err: (err as Error).stack ?? String(err) });
        await sleep(1000);
      }
    }
  }

  private async nextJob(runner: ActiveRunner): Promise<void> {
    const { api, records, logger } = this.deps;
    const recovered = runner.recovered.shift();
    if (recovered) { await this.runJob(runner, recovered, true); return; }
    let job: JobPayload | undefined;
    const askedAt = Date.now();
    try {
      job = await api.requestJob(await this.token(runner), this.polls.signal);
    } catch (err) {
      if (this.stopped) return;
      logger.warn('jobs/request failed; retrying in 1 s', { runner: runner.name, err: (err as Error).message });
      await sleep(1000);
      return;
    }
    if (!job) {
      const wait = this.deps.options.checkIntervalMs - (Date.now() - askedAt);
      if (wait > 0 && !this.stopped) await sleep(wait);
      return;
    }
    try {
      await records.put({ id: jobRecordId(job.id), runner: runner.index, payload: job });
    } catch (err) {
      logger.error('could not record a GitLab job; failing it', { job: job.id, err: (err as Error).message });
      await api.updateJob(job, { state: 'failed', failure_reason: 'runner_system_failure' }).catch(() => undefined);
      return;
    }
    await this.runJob(runner, job, false);
  }

  private async runJob(runner: ActiveRunner, job: JobPayload, recovered: boolean): Promise<void> {
    const { api, records, logger, options } = this.deps;
    const abort = new AbortController();
    let canceled = false;
    let timedOut = false;
    if (recovered) {
      const still = await api.updateJob(job, { state: 'running' }).catch(() => undefined);
      if (!still) {
        // GitLab unreachable: ask again later rather than forget a job it may still expect.
        runner.recovered.push(job);
        throw new Error(`GitLab did not answer about job ${job.id} found in the store`);
      }
      await runner.executor.cleanup(job.id).catch((err: Error) => logger.warn('cleanup failed', { job: job.id, err: err.message }));
      if (still.aborted) {
        await records.delete(jobRecordId(job.id));
        return;
      }
    }
    this.jobs.set(job.id, abort);
    runner.running.add(job.id);
    const trace = new TraceStream(api, job, options.traceIntervalMs, () => { canceled = true; abort.abort(); }, logger);
    if (recovered) trace.write('\nsockerless: the daemon restarted while this job ran; it runs again from the start\n');
    const timer = setTimeout(() => { timedOut = true; abort.abort(); }, job.runner_info.timeout * 1000);
    let result: JobResult | undefined;
    try {
      await runner.executor.run(job, trace, abort.signal, {
        upload: (zip, expireIn) => api.uploadArtifacts(job, zip, 'artifacts.zip', expireIn),
        download: (dependencyId, token) => api.downloadArtifacts(dependencyId, token),
      });
      result = { state: 'success' };
    } catch (err) {
      if (this.stopped && !canceled && !timedOut) result = undefined;
      else if (canceled) result = undefined;
      else if (timedOut) {
        trace.write(`\nERROR: Job failed: execution took longer than ${job.runner_info.timeout} seconds\n`);
        result = { state: 'failed', failure_reason: 'job_execution_timeout' };
      } else if (err instanceof JobFailure) {
        if (err.reason !== 'script_failure') trace.write(`\nERROR: Job failed: ${err.message}\n`);
        result = { state: 'failed', failure_reason: err.reason, ...(err.exitCode !== undefined ? { exit_code: err.exitCode } : {}) };
      } else {
        trace.write(`\nERROR: Job failed (system failure): ${(err as Error).message}\n`);
        result = { state: 'failed', failure_reason: 'runner_system_failure' };
      }
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped && !result) {
      // Stopping: the record stays and the next start runs the job again.
      await trace.close();
      await runner.executor.cleanup(job.id).catch(() => undefined);
      this.jobs.delete(job.id);
      runner.running.delete(job.id);
      return;
    }
    await runner.executor.cleanup(job.id).catch((err: Error) => logger.warn('cleanup failed', { job: job.id, err: err.message }));
    await trace.close();
    if (result) await this.report(job, result);
    await records.delete(jobRecordId(job.id));
    this.jobs.delete(job.id);
    runner.running.delete(job.id);
  }

  /** PUTs the result until GitLab takes it (200) or says the job is no longer ours (403). */
  private async report(job: JobPayload, result: JobResult): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        const a = await this.deps.api.updateJob(job, result);
        if (a.status === 200 || a.aborted) return;
      } catch (err) {
        this.deps.logger.warn('job update failed; retrying', { job: job.id, err: (err as Error).message });
      }
      await sleep(Math.min(5000, 200 * 2 ** attempt));
    }
    this.deps.logger.error('GitLab did not take the job\'s result', { job: job.id, result });
  }
}
