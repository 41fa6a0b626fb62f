import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { leaseSubnet } from './subnets';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const DAEMON_MAIN = join(REPO_ROOT, 'core', 'dist', 'cli', 'main.js');

export interface TestDaemon {
  dir: string;
  home: string;
  socket: string;
  dockerHost: string;
  configFile: string;
  pid: number;
  output(): string;
  /** SIGTERM, then wait for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill9(): Promise<void>;
  /** Starts a new daemon process on the same dir, home and socket. */
  restart(): Promise<void>;
  /** Stops the daemon and removes its dir. */
  dispose(): Promise<void>;
}

/** stdio for spawn: ignore/pipe/pipe, plus the given descriptors at their numbers (libuv dup2s them in without O_CLOEXEC). */
function stdioWith(extra: Record<number, number> = {}): Array<'ignore' | 'pipe' | number> {
  const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe'];
  for (const [at, fd] of Object.entries(extra)) {
    while (stdio.length < Number(at)) stdio.push('ignore');
    stdio[Number(at)] = fd;
  }
  return stdio;
}

/** Lazily unmounts whatever a crashed daemon left mounted under `dir`, deepest first, so it can be removed. */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(`${dir}/`));
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
}

export interface DaemonOptions {
  /** The config file text; by default the embedded default's plugins. */
  config?: string;
  env?: Record<string, string>;
  /** More `sockerless daemon` arguments (e.g. another --listen, --tlsverify ...). */
  args?: string[];
  /**
   * Descriptors the daemon inherits beyond stdio, by number, as a shell's `exec 200>file` would leave
   * them: open, and not close-on-exec.
   */
  inheritFds?: Record<number, number>;
}

export const DEFAULT_TEST_CONFIG = `export default {
  plugins: ['store-sqlite', 'backend-local'],
  backends: { local: { driver: 'local' } },
};
`;

/**
 * Starts `sockerless daemon` as a child process with its own temp dir, SOCKERLESS_HOME and socket, and
 * resolves once it printed its DOCKER_HOST line (the listener is open then).
 */
export async function startTestDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'sockerless-test-'));
  const home = join(dir, 'home');
  const socket = join(dir, 'docker.sock');
  const configFile = join(dir, 'sockerless.config.ts');
  writeFileSync(configFile, opts.config ?? DEFAULT_TEST_CONFIG);
  let child: ChildProcess;
  let log = '';
  const subnet = leaseSubnet();
  // A killed daemon leaves its bridges and namespaces; its next boot removes them (boot is recovery).
  let crashed = false;
  const launch = () => new Promise<void>((res, rej) => {
    child = spawn(process.execPath, [DAEMON_MAIN, 'daemon', '--config', configFile, '--listen', `unix://${socket}`, ...subnet.flags, ...(opts.args ?? [])], {
      env: { ...process.env, SOCKERLESS_HOME: home, SOCKERLESS_LOG_LEVEL: process.env.SOCKERLESS_LOG_LEVEL ?? 'warn', ...opts.env },
      stdio: stdioWith(opts.inheritFds),
    });
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('export DOCKER_HOST=')) res();
    });
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    child.once('exit', (code) => rej(new Error(`daemon exited with ${code} before it was ready:\n${log}`)));
  });
  const waitExit = () => new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
  });
  await launch();
  const daemon: TestDaemon = {
    dir, home, socket, configFile,
    dockerHost: `unix://${socket}`,
    get pid() { return child.pid!; },
    output: () => log,
    async stop() { child.kill('SIGTERM'); await waitExit(); },
    async kill9() { child.kill('SIGKILL'); crashed = true; await waitExit(); },
    async restart() { await launch(); crashed = false; },
    async dispose() {
      if (crashed) await launch().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGTERM'); await waitExit(); }
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
      subnet.release();
    },
  };
  return daemon;
}
