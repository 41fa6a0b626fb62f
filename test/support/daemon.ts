import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { leaseSubnet } from './subnets';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const DAEMON_MAIN = join(REPO_ROOT, 'cli', 'dist', 'main.js');

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

/** The pids of the live container monitors (native/shim.c) of a home, from their `monitor/shim.pid` files. */
function monitorPidsUnder(home: string): number[] {
  const pids: number[] = [];
  const backends = join(home, 'backends');
  for (const b of safeReaddir(backends)) {
    for (const id of safeReaddir(join(backends, b, 'containers'))) {
      try {
        const [pid, start] = readFileSync(join(backends, b, 'containers', id, 'monitor', 'shim.pid'), 'utf8').trim().split(/\s+/);
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[0] !== 'Z' && fields[19] === start) pids.push(Number(pid));
      } catch { /* none, or gone */ }
    }
  }
  return pids;
}

function safeReaddir(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

function liveMonitorsUnder(home: string): boolean {
  return monitorPidsUnder(home).length > 0;
}

/** The last resort of dispose: what is still held by a monitor dies with it (bwrap --die-with-parent). */
function killMonitorsUnder(home: string): void {
  for (const pid of monitorPidsUnder(home)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** `docker rm -f $(docker ps -aq)` over the daemon's socket. */
async function removeAllContainers(socket: string): Promise<void> {
  const call = (method: string, path: string) => new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, timeout: 60_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
  const list = JSON.parse(await call('GET', '/containers/json?all=1')) as Array<{ Id: string; State: string }>;
  await Promise.all(list.filter((c) => c.State === 'running' || c.State === 'restarting' || c.State === 'paused').map((c) => call('DELETE', `/containers/${c.Id}?force=1`)));
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
  const running = () => child.exitCode === null && child.signalCode === null;
  const daemon: TestDaemon = {
    dir, home, socket, configFile,
    dockerHost: `unix://${socket}`,
    get pid() { return child.pid!; },
    output: () => log,
    async stop() { child.kill('SIGTERM'); await waitExit(); },
    async kill9() { child.kill('SIGKILL'); crashed = true; await waitExit(); },
    async restart() {
      // A restart of a daemon that still runs is a stop and a start: two daemons on one home would leave one behind.
      if (running()) { child.kill('SIGTERM'); await waitExit(); }
      await launch();
      crashed = false;
    },
    async dispose() {
      // Containers outlive a stopped daemon (live-restore): one is started again to remove them, as a user would.
      if (crashed || (!running() && liveMonitorsUnder(home))) await launch().catch(() => undefined);
      if (running()) {
        await removeAllContainers(socket).catch(() => undefined);
        child.kill('SIGTERM');
        await waitExit();
      }
      killMonitorsUnder(home);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
      subnet.release();
    },
  };
  return daemon;
}
