/**
 * A private Docker Engine (Debian docker.io's dockerd 20.10) for tests that compare our answers with Docker's.
 *
 * It runs in a network namespace of its own (`unshare --net`), so its default bridge `docker0`, the bridges
 * of its user networks and its iptables rules all live there: nothing is added to the host's links or
 * rules, and two test runs cannot collide on a subnet. Unix sockets are files, so the API socket in the temp
 * dir is reachable from the host's namespace. Data-root, exec-root, pidfile, socket and an empty daemon.json
 * are under one temp dir; the host's /var/run/docker.sock and /var/lib/docker are never touched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The bench stops its daemons the same way; one copy, reached from source (ts-jest compiles it).
import { hasExited, isAlive, KILL_GRACE_MS, stopChild, TERM_GRACE_MS } from '../../bench/src/child-stop';
import { unmountUnder } from './daemon';

export interface PrivateDockerd {
  dir: string;
  socket: string;
  dockerHost: string;
  pid: number;
  /** The last lines dockerd wrote, for failure messages. */
  logTail(lines?: number): string;
  /** Stops dockerd, its containerd and shims by PID, unmounts what they left under `dir`, removes `dir`. */
  dispose(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/** Why a private dockerd cannot be started here, or null when it can (it may still fail to start). */
export function dockerdUnavailableReason(): string | null {
  const version = spawnSync('dockerd', ['--version'], { encoding: 'utf8' });
  if (version.error) return `dockerd is not installed (${version.error.message}); install Debian's docker.io`;
  if (process.getuid?.() !== 0) return 'dockerd needs root';
  const netns = spawnSync('unshare', ['--net', '--', 'true'], { encoding: 'utf8' });
  if (netns.error || netns.status !== 0) return `cannot make a private network namespace for dockerd (unshare --net): ${netns.error?.message ?? netns.stderr.trim()}`;
  return null;
}

/** Starts dockerd in its own network namespace and temp dir; resolves once it answers GET /_ping. */
export async function startPrivateDockerd(): Promise<PrivateDockerd> {
  const dir = mkdtempSync(join(tmpdir(), 'sockerless-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const execRoot = join(dir, 'exec');
  const configFile = join(dir, 'daemon.json');
  // An empty config keeps the host's /etc/docker/daemon.json (if any) out of the comparison.
  writeFileSync(configFile, '{}\n');
  const dockerdArgs = [
    'dockerd',
    '--config-file', configFile,
    '--data-root', join(dir, 'root'),
    '--exec-root', execRoot,
    '--pidfile', join(dir, 'dockerd.pid'),
    '-H', `unix://${socket}`,
    // vfs needs nothing from the host's filesystems; overlay2 would only change Driver/GraphDriver fields.
    '--storage-driver', 'vfs',
    '--ip6tables=false',
  ];
  let log = '';
  // `exec` keeps one PID from unshare to dockerd, so the PID we hold is dockerd's own.
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up; exec "$@"', 'sh', ...dockerdArgs], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => { log = (log + d.toString()).slice(-64 * 1024); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const logTail = (n = 30) => log.split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
  const dispose = async () => {
    await stopChild(child);
    await stopLeftovers(dir);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(socket, child, READY_TIMEOUT_MS);
  } catch (err) {
    const tail = logTail();
    await dispose();
    throw new Error(`dockerd did not become ready: ${(err as Error).message}\n--- dockerd log (tail) ---\n${tail}`);
  }
  return { dir, socket, dockerHost: `unix://${socket}`, pid: child.pid!, logTail, dispose };
}

/**
 * A dockerd that had to be SIGKILLed leaves its containerd and the containerd-shims of its containers. Each
 * of them names our temp dir on its command line (containerd's config and socket are under our exec-root),
 * which is how we know a PID is ours before signalling it.
 */
async function stopLeftovers(dir: string): Promise<void> {
  const ours = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    if (pid === process.pid) return false;
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir); } catch { return false; }
  });
  for (const pid of ours) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone already */ } }
  await waitUntil(() => ours.every((pid) => !isAlive(pid)), TERM_GRACE_MS);
  for (const pid of ours) { if (isAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ } } }
  await waitUntil(() => ours.every((pid) => !isAlive(pid)), KILL_GRACE_MS);
}

async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Polls GET /_ping on a fresh connection until a 200, failing at once if dockerd has exited. */
async function waitForPing(socket: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`could not be spawned: ${spawnError.message}`);
    if (hasExited(child)) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    if (await pingOnce(socket)) return;
    if (Date.now() > deadline) throw new Error(`no 200 on /_ping within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pingOnce(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
