import { spawn as spawnChild } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { ConsoleSize, ExitStatus, WorkloadProcess } from '@sockerless/sdk';
import type { Spawned } from './process';

/**
 * The daemon's side of a container's monitor (native/shim.c): the shim is the workload's parent and holds its
 * output, its terminal and its exit, so the workload outlives the daemon (live-restore). The daemon talks to it
 * through FIFOs in the monitor dir, as dockerd talks to containerd's shim: it reads `stdout`/`stderr`, writes
 * `stdin` and commands to `ctl`, and learns the exit when `wait` ends (the shim closes it once `exit` is
 * written). The same connection is made after a daemon restart (`reattachMonitor`).
 */

export const MONITOR_DIR = 'monitor';

export interface MonitorStart {
  shim: string;
  /** The monitor dir (0700), made by the caller. */
  dir: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  tty: boolean;
  stdin: boolean;
  size?: ConsoleSize;
  /** The child makes the terminal its controlling tty itself (nobody in the chain does it). */
  ctty?: boolean;
  /** Host mode: the workload leads a process group, killed whole once it exits. */
  killGroup?: boolean;
  cwd?: string;
  /** Descriptors the program gets as fd 3, 4, ...; the first is the device cgroup's cgroup.procs when `cgroupFd`. */
  extraFds?: number[];
  cgroupFd?: boolean;
}

export interface MonitorInfo {
  /** The shim's pid and its start time (field 22 of /proc/PID/stat), which tell it from a reused pid. */
  shimPid: number;
  shimStart: string;
}

/** A connection to a monitor: the process as the core sees it, and a way to let go of it without killing it. */
export interface Monitored extends Spawned {
  monitor?: MonitorInfo;
  /** Closes this daemon's ends of the FIFOs (the daemon stops; the workload lives on). */
  disconnect?: () => void;
}

/** Starts the shim and connects to it; the pid is the shim's child (bwrap, nsenter or the workload). */
export async function startMonitored(o: MonitorStart): Promise<Monitored> {
  const args = ['--dir', o.dir];
  if (o.stdin) args.push('--stdin');
  if (o.tty) args.push('--tty', String(o.size?.rows ?? 24), String(o.size?.cols ?? 80));
  if (o.tty && o.ctty) args.push('--ctty');
  if (o.killGroup) args.push('--kill-group');
  if (o.cgroupFd) args.push('--cgroup-fd', '3');
  if (o.cwd) args.push('--cwd', o.cwd);
  const child = spawnChild(o.shim, [...args, '--', o.file, ...o.args], {
    env: o.env, cwd: '/', detached: true, stdio: ['ignore', 'pipe', 'pipe', ...(o.extraFds ?? [])],
  });
  const started = await new Promise<{ pid?: number; error?: string }>((resolve) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^pid (\d+)\n/.exec(out);
      if (m) resolve({ pid: Number(m[1]) });
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('close', () => resolve({ error: err.trim().replace(/^error /, '') || 'the container monitor exited before the workload started' }));
  });
  child.stdout!.destroy();
  child.stderr!.destroy();
  // The shim outlives this daemon by design; it is reaped here only if it ends while the daemon runs.
  child.unref();
  if (started.pid === undefined) {
    const out = new PassThrough();
    out.end();
    return { pid: -1, proc: { stdin: null, stdout: out, stderr: null, exited: Promise.resolve({ exitCode: 127, error: started.error }) } };
  }
  return { pid: started.pid, ...connect(o.dir, { tty: o.tty, stdin: o.stdin }), monitor: monitorInfo(o.dir) };
}

/** The shim's pid file, or undefined when there is none. */
export function monitorInfo(dir: string): MonitorInfo | undefined {
  try {
    const [pid, start] = readFileSync(join(dir, 'shim.pid'), 'utf8').trim().split(/\s+/);
    return Number(pid) > 0 ? { shimPid: Number(pid), shimStart: start ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat: the process's start time, which a reused pid does not share. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** True while the shim of this info still runs (the same process, not a reused pid). */
export function monitorAlive(info: MonitorInfo | undefined): boolean {
  return info !== undefined && processStart(info.shimPid) === info.shimStart;
}

/**
 * The monitor of a container started by an earlier daemon, connected again: its output from where the
 * previous daemon stopped reading, its stdin and terminal, and its exit (at once when it already exited).
 * Undefined when no shim of it is alive; throws when its FIFOs cannot be opened.
 */
export function reattachMonitor(dir: string, o: { tty: boolean; stdin: boolean }): Omit<Monitored, 'pid'> | undefined {
  const info = monitorInfo(dir);
  if (!monitorAlive(info)) return undefined;
  return { ...connect(dir, o), monitor: info };
}

/** Kills the shim (and with it the sandbox: bwrap dies with its parent). */
export function killMonitor(dir: string): void {
  const info = monitorInfo(dir);
  if (monitorAlive(info)) { try { process.kill(info!.shimPid, 'SIGKILL'); } catch { /* gone */ } }
}

const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fsConstants;

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals as Record<string, number>).find(([, v]) => v === n)?.[0];
}

/** The shim's `exit` file: `<exitCode> <signal> <finishedAtUnixNanos>`. */
function readExit(dir: string): ExitStatus | undefined {
  let text: string;
  try { text = readFileSync(join(dir, 'exit'), 'utf8'); } catch { return undefined; }
  const [code, sig, ns] = text.trim().split(/\s+/).map(Number);
  if (!Number.isInteger(code)) return undefined;
  const status: ExitStatus = { exitCode: code };
  if (sig > 0) status.signal = signalName(sig);
  if (ns > 0) status.finishedAt = new Date(Math.floor(ns / 1e6));
  return status;
}

interface Output {
  sock: net.Socket;
  fd: number;
  out: PassThrough;
  ended: boolean;
}

/** A FIFO's read end as a stream; backpressure pauses the reading, so a full FIFO holds the workload up. */
function readOutput(fd: number): Output {
  const sock = new net.Socket({ fd, readable: true, writable: false });
  const o: Output = { sock, fd, out: new PassThrough(), ended: false };
  sock.on('data', (d: Buffer) => {
    if (!o.out.write(d)) { sock.pause(); o.out.once('drain', () => sock.resume()); }
  });
  sock.on('end', () => { o.ended = true; o.out.end(); });
  // A read error ends this stream; the exit still comes through `wait`.
  sock.on('error', () => { if (!o.ended) { o.ended = true; o.out.end(); } });
  return o;
}

/**
 * After the exit: what is still in the FIFO, read at once. A reader that opened after the workload's last write
 * end was gone is never told of the end (Linux reports POLLHUP only to readers that saw a writer), so the rest
 * is read synchronously: with no writer left, read() gives the buffered bytes and then 0.
 */
function finishOutput(o: Output): void {
  if (o.ended) return;
  for (let chunk = o.sock.read() as Buffer | null; chunk !== null; chunk = o.sock.read() as Buffer | null) o.out.write(chunk);
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n = 0;
    try { n = readSync(o.fd, buf, 0, buf.length, null); } catch { break; }
    if (n <= 0) break;
    o.out.write(Buffer.from(buf.subarray(0, n)));
  }
  o.ended = true;
  o.sock.destroy();
  o.out.end();
}

function openFifo(dir: string, name: string, flags: number): number {
  return openSync(join(dir, name), flags | O_NONBLOCK);
}

/** The control FIFO's write end; the shim may be between two readers of it, so an ENXIO is tried again. */
function openControl(dir: string): number | undefined {
  for (let i = 0; i < 100; i++) {
    try { return openFifo(dir, 'ctl', O_WRONLY); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') return undefined;
    }
  }
  return undefined;
}

function connect(dir: string, o: { tty: boolean; stdin: boolean }): { proc: WorkloadProcess; disconnect: () => void } {
  const outputs = [readOutput(openFifo(dir, 'stdout', O_RDONLY))];
  if (!o.tty) outputs.push(readOutput(openFifo(dir, 'stderr', O_RDONLY)));
  const waitSock = new net.Socket({ fd: openFifo(dir, 'wait', O_RDONLY), readable: true, writable: false });
  let ctl = openControl(dir);
  const command = (line: string) => {
    if (ctl === undefined) return;
    try { writeSync(ctl, `${line}\n`); } catch { /* the shim is gone */ }
  };
  let stdinFd = o.stdin ? openFifo(dir, 'stdin', O_WRONLY) : undefined;
  let done = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    const finish = () => {
      if (done) return;
      done = true;
      waitSock.destroy();
      for (const out of outputs) finishOutput(out);
      const status = readExit(dir) ?? { exitCode: 137, signal: 'SIGKILL' };
      const ends = outputs.map((out) => new Promise<void>((r) => (out.out.writableFinished ? r() : out.out.once('finish', () => r()))));
      void Promise.all(ends).then(() => {
        command('release');
        if (ctl !== undefined) { try { closeSync(ctl); } catch { /* closed */ } ctl = undefined; }
        if (stdinFd !== undefined) { try { closeSync(stdinFd); } catch { /* closed */ } stdinFd = undefined; }
        resolve(status);
      });
    };
    waitSock.on('end', finish);
    waitSock.on('close', finish);
    waitSock.on('error', () => undefined);
    waitSock.resume();
    // Opened before this check: an exit recorded after it ends `wait` for this reader.
    if (readExit(dir)) setImmediate(finish);
  });
  const stdin = stdinFd === undefined ? null : fifoInput(() => stdinFd, () => {
    // A terminal has no half-close: ^D at the start of a line is how a program reading it sees EOF.
    if (o.tty) return Buffer.from([4]);
    command('close-stdin');
    return undefined;
  });
  const proc: WorkloadProcess = {
    stdin, stdout: outputs[0].out, stderr: outputs[1]?.out ?? null, exited,
    resize: o.tty ? (rows: number, cols: number) => { if (!done) command(`resize ${Math.max(1, rows)} ${Math.max(1, cols)}`); } : undefined,
  };
  const disconnect = () => {
    if (done) return;
    done = true;
    waitSock.destroy();
    for (const out of outputs) out.sock.destroy();
    for (const fd of [ctl, stdinFd]) { if (fd !== undefined) { try { closeSync(fd); } catch { /* closed */ } } }
    ctl = undefined;
    stdinFd = undefined;
  };
  return { proc, disconnect };
}

/**
 * Writes to the monitor's stdin FIFO in order. The fd is non-blocking, so a full FIFO (EAGAIN) is retried on
 * the next turn of the event loop rather than blocking the daemon. At the end, `last` gives the bytes that end
 * the input (^D on a terminal), or sends the command that closes it itself.
 */
function fifoInput(fd: () => number | undefined, last: () => Buffer | undefined): Writable {
  const writeAll = (chunk: Buffer, cb: (err?: Error | null) => void): void => {
    const f = fd();
    if (f === undefined || chunk.length === 0) return cb();
    let written = 0;
    try {
      written = writeSync(f, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(() => writeAll(chunk, cb), 1);
      return cb(); // the monitor is gone: so is the workload
    }
    if (written < chunk.length) return void setImmediate(() => writeAll(chunk.subarray(written), cb));
    cb();
  };
  return new Writable({
    write(chunk: Buffer, _enc, cb) { writeAll(chunk, cb); },
    final(cb) {
      const bytes = last();
      if (bytes) writeAll(bytes, cb); else cb();
    },
  });
}
