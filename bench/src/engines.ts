import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runDocker, type DockerTarget } from './docker-cli';

/** bench/dist/engines.js -> the repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
const SOCKERLESS_MAIN = join(REPO_ROOT, 'core', 'dist', 'cli', 'main.js');

/** Embedded default plugins: the configuration a user gets out of the box is the one worth measuring. */
const SOCKERLESS_CONFIG = `export default { plugins: ['store-sqlite', 'backend-local'], backends: { local: { driver: 'local' } } };\n`;

const READY_TIMEOUT_MS = 60_000;
const DOCKERD_POLL_MS = 250;
const TERM_GRACE_MS = 15_000;
const KILL_GRACE_MS = 5_000;

/** A running engine the benchmark started and owns. */
export interface Engine {
  target: DockerTarget;
  pid: number;
  /** The last lines the daemon wrote, for error reports. */
  logTail(lines?: number): string;
  /** SIGTERM, wait for exit, SIGKILL after a bound. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Keeps only the end of a daemon's output: enough to explain a failure, bounded for a long run. */
class OutputTail {
  private text = '';
  constructor(private readonly maxChars = 64 * 1024) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.maxChars) this.text = this.text.slice(-this.maxChars);
  }
  lines(n: number): string {
    return this.text.split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
  }
  get all(): string { return this.text; }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((res) => {
    const timer = setTimeout(() => { child.off('exit', onExit); res(false); }, ms);
    const onExit = () => { clearTimeout(timer); res(true); };
    child.once('exit', onExit);
  });
}

/** Stops one child by its PID: a polite SIGTERM first (daemons clean up on it), SIGKILL if it hangs. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, TERM_GRACE_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, KILL_GRACE_MS);
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function dockerTarget(label: string, socket: string, workDir: string): DockerTarget {
  const dockerConfig = join(workDir, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  return { label, dockerHost: `unix://${socket}`, dockerConfig, home: workDir };
}

/**
 * Starts our daemon as a child process with its own home and socket, and resolves when it prints its
 * `export DOCKER_HOST=` line, which it does only once the listener is open.
 */
export async function startSockerless(baseDir: string, opts: { label?: string; config?: string; subdir?: string } = {}): Promise<Engine> {
  if (!existsSync(SOCKERLESS_MAIN)) throw new Error(`${SOCKERLESS_MAIN} is missing: build the daemon first (npx tsc -b)`);
  // A second daemon (another config) gets a directory of its own: home, socket and config never shared.
  const workDir = opts.subdir ? join(baseDir, opts.subdir) : baseDir;
  mkdirSync(workDir, { recursive: true });
  const socket = join(workDir, 'sockerless.sock');
  const configFile = join(workDir, 'sockerless.config.ts');
  writeFileSync(configFile, opts.config ?? SOCKERLESS_CONFIG);
  const out = new OutputTail();
  const child = spawn(process.execPath, [SOCKERLESS_MAIN, 'daemon', '--config', configFile, '--listen', `unix://${socket}`], {
    cwd: REPO_ROOT,
    env: { ...process.env, SOCKERLESS_HOME: join(workDir, 'home'), SOCKERLESS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => out.push(d));
  const stop = () => stopChild(child);
  try {
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      child.stdout!.on('data', (d: Buffer) => {
        out.push(d);
        if (out.all.includes('export DOCKER_HOST=')) { clearTimeout(timer); res(); }
      });
      child.once('error', (err) => { clearTimeout(timer); rej(err); });
      child.once('exit', (code, signal) => { clearTimeout(timer); rej(new Error(`exited (${code ?? signal}) before it was ready`)); });
    });
  } catch (err) {
    await stop();
    throw new Error(`sockerless daemon did not start: ${(err as Error).message}\n${out.lines(40)}`);
  }
  return { target: dockerTarget(opts.label ?? 'ours', socket, workDir), pid: child.pid!, logTail: (n = 40) => out.lines(n), stop };
}

/**
 * dockerd runs its own containerd and writes its pid here. If dockerd has to be SIGKILLed it cannot stop
 * that containerd, so we do, but only after checking the PID still names a process under our exec-root.
 */
async function stopOrphanedContainerd(execRoot: string): Promise<void> {
  const pidFile = join(execRoot, 'containerd', 'containerd.pid');
  let pid: number;
  try { pid = Number(readFileSync(pidFile, 'utf8').trim()); } catch { return; }
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return;
  let cmdline = '';
  try { cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return; }
  if (!cmdline.includes(execRoot)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < TERM_GRACE_MS && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Starts a private Docker Engine for reference: its own data-root, exec-root, pidfile and socket, so the
 * host's /var/run/docker.sock and /var/lib/docker are never touched. vfs and no bridge/iptables match
 * what our local backend does (no overlay snapshotter setup, host network) and need nothing from the host.
 */
export async function startDockerd(workDir: string): Promise<Engine> {
  const socket = join(workDir, 'dockerd.sock');
  const execRoot = join(workDir, 'dd-exec');
  const out = new OutputTail();
  const child = spawn('dockerd', [
    '--data-root', join(workDir, 'dd-root'),
    '--exec-root', execRoot,
    '--pidfile', join(workDir, 'dd.pid'),
    '-H', `unix://${socket}`,
    '--storage-driver', 'vfs',
    '--iptables=false', '--ip6tables=false', '--bridge=none',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => out.push(d));
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });
  const stop = async () => {
    await stopChild(child);
    await stopOrphanedContainerd(execRoot);
  };
  const target = dockerTarget('docker', socket, workDir);
  // dockerd has no "ready" line we can rely on across versions; the API answering is the real signal.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = '';
  while (Date.now() < deadline) {
    if (spawnError || hasExited(child)) {
      lastError = spawnError ? spawnError.message : `dockerd exited (${child.exitCode ?? child.signalCode})`;
      break;
    }
    const r = await runDocker(target, ['version', '--format', '{{.Server.Version}}'], 5_000);
    if (r.code === 0) return { target, pid: child.pid!, logTail: (n = 40) => out.lines(n), stop };
    lastError = r.stderr.trim();
    await sleep(DOCKERD_POLL_MS);
  }
  await stop();
  throw new Error(`dockerd did not become ready: ${lastError}\n--- dockerd log (tail) ---\n${out.lines(30)}`);
}
