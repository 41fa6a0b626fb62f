/**
 * Running gitlab-ci-local (the real npm package, unchanged) against a test daemon: the offline images its
 * pipelines need, a git checkout per fixture, and the CLI run itself.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { E2E } from './e2e';
import { REPO_ROOT } from './daemon';
import { buildBusyboxRootfsTar } from './images';

export const GITLAB_CI_LOCAL = join(REPO_ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
export const GITLAB_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'gitlab-ci');
/** The remote gitlab-ci-local derives CI_PROJECT_PATH (group/project) and CI_SERVER_* from. */
export const GIT_REMOTE = 'https://gitlab.com/group/project.git';
export const PROJECT_DIR = '/builds/group/project';

const PATH_ENV = 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A file added on top of the busybox rootfs. */
interface ExtraFile { name: string; content: string; mode?: number }

/**
 * Copies the busybox rootfs tar and appends files to it with GNU tar (later entries win on extraction), or
 * whole host files with `hostFiles` (dereferenced, kept at their host path).
 */
function extendRootfs(baseTar: string, out: string, files: ExtraFile[], hostFiles: string[] = []): string {
  copyFileSync(baseTar, out);
  if (files.length) {
    const stage = mkdtempSync(`${out}.stage-`);
    for (const f of files) {
      mkdirSync(dirname(join(stage, f.name)), { recursive: true });
      writeFileSync(join(stage, f.name), f.content);
      chmodSync(join(stage, f.name), f.mode ?? 0o644);
    }
    execFileSync('tar', ['--owner=0', '--group=0', '-C', stage, '-rf', out, ...files.map((f) => f.name)]);
  }
  if (hostFiles.length) execFileSync('tar', ['--owner=0', '--group=0', '-h', '-C', '/', '-rf', out, ...hostFiles.map((f) => f.replace(/^\//, ''))]);
  return out;
}

/** The shared libraries a host binary loads, as `ldd` resolves them. */
function sharedLibraries(binary: string): string[] {
  return execFileSync('ldd', [binary], { encoding: 'utf8' }).split('\n').map((l) => /(\/\S+)\s+\(0x/.exec(l)?.[1]).filter((p): p is string => !!p);
}

const WAIT_FOR_IT = `#!/bin/sh
# Stand-in for sumina46/wait-for-it, called as: wait-for-it HOST:PORT -t SECONDS
target=$1
timeout=\${3:-30}
deadline=$(( $(date +%s) + timeout ))
until nc -w 1 "\${target%:*}" "\${target##*:}" </dev/null >/dev/null 2>&1; do
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "wait-for-it: timeout waiting for $target"; exit 1; fi
  sleep 0.2
done
echo "wait-for-it: $target is available"
`;

const WRAP = `#!/bin/sh
# An image entrypoint that prepares the environment, then runs what it was given.
export WRAPPED=yes
exec "$@"
`;

/**
 * Imports every image the fixtures use, all from Debian's busybox rootfs (offline, nothing is pulled):
 * - gitlab-ci-local's helper image, which runs bash and rsync to copy artifacts and caches out, so it gets
 *   the host's bash and rsync with their libraries;
 * - the wait image gitlab-ci-local health-checks services with (an nc loop);
 * - `alpine:latest` and a toolbox image with their own /etc/image-id;
 * - images with an ENTRYPOINT (a wrapper that execs its arguments, and /bin/false) and one with EXPOSE 80.
 */
export async function importGitlabImages(e: E2E): Promise<void> {
  const dir = join(e.daemon.dir, 'rootfs-build');
  const busybox = await buildBusyboxRootfsTar(dir);
  const bash = '/usr/bin/bash';
  const rsync = '/usr/bin/rsync';
  const libs = [...new Set([...sharedLibraries(bash), ...sharedLibraries(rsync)])];
  const imports: Array<{ tag: string; tar: string; changes?: string[] }> = [
    { tag: 'docker.io/firecow/gitlab-ci-local-util:latest', tar: extendRootfs(busybox, join(dir, 'util.tar'), [], [bash, rsync, ...libs]) },
    {
      tag: 'docker.io/sumina46/wait-for-it:latest',
      tar: extendRootfs(busybox, join(dir, 'wait.tar'), [{ name: 'bin/wait-for-it', content: WAIT_FOR_IT, mode: 0o755 }]),
      changes: ['ENTRYPOINT ["/bin/wait-for-it"]'],
    },
    { tag: 'alpine:latest', tar: extendRootfs(busybox, join(dir, 'alpine.tar'), [{ name: 'etc/image-id', content: 'alpine\n' }]) },
    { tag: 'registry.example.com/tools/toolbox:2.1', tar: extendRootfs(busybox, join(dir, 'toolbox.tar'), [{ name: 'etc/image-id', content: 'toolbox\n' }]) },
    {
      tag: 'gcl-wrapped:1',
      tar: extendRootfs(busybox, join(dir, 'wrapped.tar'), [{ name: 'bin/wrap', content: WRAP, mode: 0o755 }]),
      changes: ['ENTRYPOINT ["/bin/wrap"]'],
    },
    { tag: 'gcl-entry-false:1', tar: busybox, changes: ['ENTRYPOINT ["/bin/false"]'] },
    { tag: 'gcl-web:1', tar: busybox, changes: ['EXPOSE 80', 'CMD ["httpd", "-f", "-p", "80"]'] },
  ];
  for (const i of imports) {
    const changes = [PATH_ENV, ...(i.changes ?? [])].flatMap((c) => ['--change', c]);
    await e.ok(['import', ...changes, i.tar, i.tag]);
  }
}

/**
 * A checkout of `test/fixtures/gitlab-ci/<fixture>` in a fresh dir under the daemon's dir: a git repo on
 * branch `main` with one commit and an `origin` remote (gitlab-ci-local reads both).
 */
export function checkoutFixture(e: E2E, fixture: string): string {
  const dir = mkdtempSync(join(e.daemon.dir, `gcl-${fixture}-`));
  cpSync(join(GITLAB_FIXTURES, fixture), dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: gitEnv(e), stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  // gitlab-ci-local reads these for GITLAB_USER_*; without them it warns and falls back.
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  git('add', '-A');
  git('commit', '-q', '-m', `fixture ${fixture}`);
  git('remote', 'add', 'origin', GIT_REMOTE);
  // What `git clone` would have set; without it gitlab-ci-local warns and guesses `main`.
  git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
  return dir;
}

function gitEnv(e: E2E): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(e.daemon.dir, 'gcl-home'), GIT_CONFIG_NOSYSTEM: '1' };
}

export function headCommit(e: E2E, dir: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, env: gitEnv(e), encoding: 'utf8' }).trim();
}

export interface PipelineResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
  /** The checkout the pipeline ran in. */
  dir: string;
}

/**
 * Runs gitlab-ci-local in `dir` against the test daemon (DOCKER_HOST), never pulling what is present, and
 * kills it if it outlives `timeoutMs`.
 */
export function runGitlabCiLocal(e: E2E, dir: string, args: string[] = [], timeoutMs = 90_000): Promise<PipelineResult> {
  const home = join(e.daemon.dir, 'gcl-home');
  mkdirSync(home, { recursive: true });
  const env = {
    ...gitEnv(e),
    HOME: home,
    DOCKER_HOST: e.daemon.dockerHost,
    DOCKER_CONFIG: join(e.daemon.dir, 'docker-config'),
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  };
  const argv = [GITLAB_CI_LOCAL, '--pull-policy', 'if-not-present', '--no-color', '--home', home, '--max-job-name-padding', '0', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gitlab-ci-local ${args.join(' ')} in ${dir} timed out after ${timeoutMs} ms\n${output}\ndaemon: ${e.daemon.output().slice(-3000)}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); output += d.toString(); });
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr, output, dir }); });
  });
}

/** The lines a job printed (gitlab-ci-local shows them as `<job> > <line>`), in order. */
export function jobLines(output: string, job: string): string[] {
  const prefix = `${job} > `;
  return output.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

/**
 * The outcome gitlab-ci-local's summary gives each job: ` PASS  name`, ` WARN  name  pre_script`,
 * ` FAIL  name  pre_script`. Names may hold single spaces (`deploy: [aws, app]`); two end them.
 */
export function jobVerdicts(output: string): Record<string, string> {
  const verdicts: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const m = /^ (PASS|WARN|FAIL) {2}(.+?)(?: {2}.*)?\s*$/.exec(line);
    if (m) verdicts[m[2]] = m[1];
  }
  return verdicts;
}
