/**
 * Drives native/shim.c the way the daemon does: spawn it detached, read its `pid` line, open its FIFOs
 * non-blocking, write `ctl` lines, and wait for its `exit` file. No daemon and no bwrap: host programs only.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUSYBOX = '/bin/busybox';
const SOURCE = join(__dirname, '..', 'native', 'shim.c');

/** Everything a test started, killed by pid (a negative one: by process group) afterwards. */
const started = new Set<number>();
const tempDirs: string[] = [];

export function track(pid: number): void { started.add(pid); }

export function killStarted(): void {
  for (const dir of [...controls.keys()]) dropCtl(dir);
  for (const pid of started) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  started.clear();
}

export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A directory some other process made for the test, removed with the test's own. */
export function adoptTempDir(dir: string): void { tempDirs.push(dir); }

export function tempDir(prefix = 'sockerless-shim-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Compiles shim.c as the daemon will (static, libc only); returns the binary's path. */
export function buildShim(): string {
  const out = join(tempDir('sockerless-shim-build-'), 'shim');
  execFileSync('cc', ['-static', '-O2', '-o', out, SOURCE], { stdio: 'pipe' });
  return out;
}

export interface RunningShim {
  shim: ChildProcess;
  /** The shim's exit as seen by its parent (the test): code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  childPid: number;
  dir: string;
}

export interface ShimStart {
  shim: ChildProcess;
  exited: RunningShim['exited'];
  stdout: Promise<string>;
  stderr: Promise<string>;
  dir: string;
}

export function spawnShim(binary: string, options: string[], program: string[], extraStdio: StdioOptions = []): ShimStart {
  const dir = tempDir();
  const stdio = ['ignore', 'pipe', 'pipe', ...(extraStdio as unknown[])] as StdioOptions;
  const shim = spawn(binary, ['--dir', dir, ...options, '--', ...program], { detached: true, stdio });
  if (shim.pid) track(shim.pid);
  const collect = (s: NodeJS.ReadableStream | null) => new Promise<string>((resolve) => {
    let text = '';
    s!.setEncoding('utf8');
    s!.on('data', (d: string) => { text += d; });
    s!.on('end', () => resolve(text));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    shim.on('exit', (code, signal) => resolve({ code, signal })));
  return { shim, exited, stdout: collect(shim.stdout), stderr: collect(shim.stderr), dir };
}

/** Starts a workload under the shim and waits for the handshake: the stdout closes after the `pid` line. */
export async function startShim(binary: string, options: string[], program: string[], extraStdio: StdioOptions = []): Promise<RunningShim> {
  const s = spawnShim(binary, options, program, extraStdio);
  const out = await s.stdout;
  const match = /^pid (\d+)\n$/.exec(out);
  if (!match) throw new Error(`no pid line: ${JSON.stringify(out)} stderr ${JSON.stringify(await s.stderr)}`);
  const childPid = Number(match[1]);
  track(childPid);
  return { shim: s.shim, exited: s.exited, childPid, dir: s.dir };
}

/** A FIFO opened as the daemon does: O_RDONLY|O_NONBLOCK, read through a socket. */
export class FifoReader {
  readonly socket: Socket;
  text = '';
  readonly ended: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(path: string) {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.socket = new Socket({ fd, readable: true, writable: false });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => { this.text += d; this.waiters.forEach((w) => w()); });
    this.ended = new Promise((resolve) => this.socket.on('end', () => resolve()));
  }

  /** Resolves once the text read so far satisfies the predicate; fails after the deadline. */
  until(predicate: (text: string) => boolean, ms = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; read so far: ${JSON.stringify(this.text)}`)), ms);
      const check = () => {
        if (!predicate(this.text)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(this.text);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Resolves at EOF (every writer gone); fails after the deadline rather than at jest's test timeout. */
  end(ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no EOF; read so far: ${JSON.stringify(this.text.slice(-200))}`)), ms);
      void this.ended.then(() => { clearTimeout(timer); resolve(); });
    });
  }

  close(): void { this.socket.destroy(); }
}

/** How the daemon drains a FIFO after the exit: read until 0 (no writer left) or EAGAIN. */
export function drainFifo(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
  } finally {
    closeSync(fd);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes to a FIFO the way the daemon does (O_WRONLY|O_NONBLOCK), keeping the fd open for the caller. */
export function openWriter(path: string): number {
  return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
}

/** The daemon's writer of each shim's `ctl`, held open as the daemon holds it while it runs. */
const controls = new Map<string, number>();

/**
 * Writes one command as the daemon does, through its writer of `ctl`, which stays open: the last writer of
 * `ctl` leaving is how the shim learns that the daemon is gone (it then spools the output).
 */
export function sendCtl(dir: string, line: string): void {
  let fd = controls.get(dir);
  if (fd === undefined) controls.set(dir, (fd = openWriter(join(dir, 'ctl'))));
  writeSync(fd, `${line}\n`);
}

/** The daemon goes away: its writer of `ctl` closes (the shim starts spooling). */
export function dropCtl(dir: string): void {
  const fd = controls.get(dir);
  controls.delete(dir);
  if (fd !== undefined) closeSync(fd);
}

/** Polls with a deadline for a condition that has no event of its own (a file appearing, a pid going away). */
export async function eventually<T>(probe: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface ExitRecord { code: number; signal: number; finishedAtNs: bigint }

export function waitForExitFile(dir: string): Promise<ExitRecord> {
  return eventually(() => {
    const path = join(dir, 'exit');
    if (!existsSync(path)) return undefined;
    const [code, signal, ns] = readFileSync(path, 'utf8').trim().split(' ');
    return { code: Number(code), signal: Number(signal), finishedAtNs: BigInt(ns) };
  }, `${dir}/exit`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill 0: only a process that is not yet reaped and not dead counts.
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

export function waitGone(pid: number): Promise<true> {
  return eventually(() => (isAlive(pid) ? undefined : true), `pid ${pid} to go away`);
}
