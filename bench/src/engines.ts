import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitForPing } from './api';
import { hasExited, isAlive, stopChild, TERM_GRACE_MS } from './child-stop';
import { runDockerOk, type DockerTarget } from './docker-cli';
import { IMAGE } from './workdir';

/** bench/dist/engines.js -> the repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
const SOCKERLESS_MAIN = sockerlessMainOf(REPO_ROOT);

/**
 * The built `sockerless` command of a checkout: cli/dist/main.js, or core/dist/cli/main.js in a build from
 * before the CLI was its own package (a baseline commit that old).
 */
export function sockerlessMainOf(root: string): string {
  const main = join(root, 'cli', 'dist', 'main.js');
  const before = join(root, 'core', 'dist', 'cli', 'main.js');
  return !existsSync(main) && existsSync(before) ? before : main;
}

const READY_TIMEOUT_MS = 60_000;

/** A running engine the benchmark started and owns. */
export interface Engine {
  target: DockerTarget;
  pid: number;
  /** Milliseconds from spawn() to the first 200 on GET /_ping. */
  bootMs: number;
  /** The processes whose memory is the engine's own: our node process; dockerd and its containerd. */
  memoryPids(): number[];
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function dockerTarget(label: string, socket: string, workDir: string): DockerTarget {
  const dockerConfig = join(workDir, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  return { label, dockerHost: `unix://${socket}`, dockerConfig, home: workDir };
}

/**
 * Resolves with the milliseconds from spawn() to the first 200 on GET /_ping, the moment a client could
 * use the engine; throws as soon as the child could not be spawned or has exited.
 */
async function waitUntilServing(child: ChildProcess, socket: string, spawnedAt: bigint): Promise<number> {
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });
  await waitForPing(socket, READY_TIMEOUT_MS, () =>
    spawnError ? `could not be spawned: ${spawnError.message}`
      : hasExited(child) ? `exited (${child.exitCode ?? child.signalCode}) before it was ready` : null);
  return Number(process.hrtime.bigint() - spawnedAt) / 1e6;
}

export interface SockerlessOptions {
  label?: string;
  /**
   * Config file text. Without it the daemon runs the embedded default config (no --config), the
   * configuration a user gets out of the box and the one worth measuring.
   */
  config?: string;
  /** A second daemon (another config) gets a directory of its own: home, socket and config never shared. */
  subdir?: string;
  /**
   * Start exactly as `sockerless daemon` with no flags: the embedded default config (no --config) and its
   * default socket, $SOCKERLESS_HOME/docker.sock (no --listen). What the boot figure measures. Not with
   * `config`.
   */
  embeddedDefault?: boolean;
  /** More `sockerless daemon` flags, e.g. `--preset aws-sim`. */
  extraArgs?: string[];
  /** Another build's `sockerless` command (a baseline commit's, see sockerlessMainOf); this checkout's by default. */
  main?: string;
}

/** Starts our daemon as a child process with its own home and socket; resolves once it answers /_ping. */
export async function startSockerless(baseDir: string, opts: SockerlessOptions = {}): Promise<Engine> {
  const main = opts.main ?? SOCKERLESS_MAIN;
  if (!existsSync(main)) throw new Error(`${main} is missing: build the daemon first (npx tsc -b)`);
  const workDir = opts.subdir ? join(baseDir, opts.subdir) : baseDir;
  mkdirSync(workDir, { recursive: true });
  const home = join(workDir, 'home');
  const socket = opts.embeddedDefault ? join(home, 'docker.sock') : join(workDir, 'sockerless.sock');
  const args = [main, 'daemon'];
  if (opts.config !== undefined) {
    const configFile = join(workDir, 'sockerless.config.ts');
    writeFileSync(configFile, opts.config);
    args.push('--config', configFile);
  }
  if (!opts.embeddedDefault) args.push('--listen', `unix://${socket}`);
  args.push(...(opts.extraArgs ?? []));
  const out = new OutputTail();
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, SOCKERLESS_HOME: home, SOCKERLESS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => out.push(d));
  const stop = () => stopChild(child);
  let bootMs: number;
  try {
    bootMs = await waitUntilServing(child, socket, spawnedAt);
  } catch (err) {
    await stop();
    throw new Error(`sockerless daemon did not start: ${(err as Error).message}\n${out.lines(40)}`);
  }
  return {
    target: dockerTarget(opts.label ?? 'ours', socket, workDir),
    pid: child.pid!,
    bootMs,
    memoryPids: () => [child.pid!],
    logTail: (n = 40) => out.lines(n),
    stop,
  };
}

/** The containerd dockerd started under our exec-root, from the pid file it writes; null if there is none. */
function containerdPid(execRoot: string): number | null {
  let pid: number;
  try { pid = Number(readFileSync(join(execRoot, 'containerd', 'containerd.pid'), 'utf8').trim()); } catch { return null; }
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/**
 * If dockerd has to be SIGKILLed it cannot stop its containerd, so we do, but only after checking the PID
 * still names a process under our exec-root.
 */
async function stopOrphanedContainerd(execRoot: string): Promise<void> {
  const pid = containerdPid(execRoot);
  if (pid === null || !isAlive(pid)) return;
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
 * dockerd has no "ready" line we can rely on across versions; the API answering is the real signal.
 */
export async function startDockerd(workDir: string): Promise<Engine> {
  const socket = join(workDir, 'dockerd.sock');
  const execRoot = join(workDir, 'dd-exec');
  const out = new OutputTail();
  const spawnedAt = process.hrtime.bigint();
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
  const stop = async () => {
    await stopChild(child);
    await stopOrphanedContainerd(execRoot);
  };
  let bootMs: number;
  try {
    bootMs = await waitUntilServing(child, socket, spawnedAt);
  } catch (err) {
    await stop();
    throw new Error(`dockerd did not become ready: ${(err as Error).message}\n--- dockerd log (tail) ---\n${out.lines(30)}`);
  }
  // Without a system containerd, dockerd runs its own: its memory is part of what this engine costs.
  const memoryPids = () => {
    const containerd = containerdPid(execRoot);
    if (containerd === null) throw new Error(`dockerd's containerd pid file ${join(execRoot, 'containerd', 'containerd.pid')} is missing or invalid`);
    return [child.pid!, containerd];
  };
  return { target: dockerTarget('docker', socket, workDir), pid: child.pid!, bootMs, memoryPids, logTail: (n = 40) => out.lines(n), stop };
}

/** Both engines get the same tarball under the same name, so the image cannot explain a difference. */
export async function importBusybox(engine: Engine, tarball: string): Promise<void> {
  await runDockerOk(engine.target, ['import', '--change', 'CMD ["/bin/sh"]', tarball, IMAGE]);
}
