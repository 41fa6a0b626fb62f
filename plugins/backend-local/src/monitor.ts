import { spawn as spawnChild } from 'node:child_process';
import { closeSync, constants as fsConstants, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ConsoleSize, ExitStatus, WorkloadProcess } from '@sockerless/sdk';
import { fifoInput, finishOutput, openFifo, readOutput, takeSpool, type Output } from './monitor-fifos';
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
  return { pid: started.pid, ...connect(o.dir, { tty: o.tty, stdin: o.stdin }, false), monitor: monitorInfo(o.dir) };
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
  return { ...connect(dir, o, true), monitor: info };
}

/** Kills the shim (and with it the sandbox: bwrap dies with its parent). */
export function killMonitor(dir: string): void {
  const info = monitorInfo(dir);
  if (monitorAlive(info)) { try { process.kill(info!.shimPid, 'SIGKILL'); } catch { /* gone */ } }
}

const { O_RDONLY, O_WRONLY } = fsConstants;

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

/** The control FIFO's write end; the shim may be between two readers of it, so an ENXIO is tried again. */
function openControl(dir: string): number | undefined {
  for (let i = 0; i < 100; i++) {
    try { return openFifo(dir, 'ctl', O_WRONLY); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') return undefined;
    }
  }
  return undefined;
}

/**
 * `resume`: a reattach, which first takes what the monitor spooled while no daemon was there (takeSpool), then
 * the FIFOs. A fresh start reads the FIFOs at once: nothing was spooled.
 */
function connect(dir: string, o: { tty: boolean; stdin: boolean }, resume: boolean): { proc: WorkloadProcess; disconnect: () => void } {
  const names = o.tty ? ['stdout'] : ['stdout', 'stderr'];
  const outs = names.map(() => new PassThrough());
  let outputs: Output[] = [];
  const waitSock = new net.Socket({ fd: openFifo(dir, 'wait', O_RDONLY), readable: true, writable: false });
  let ctl = openControl(dir);
  const command = (line: string) => {
    if (ctl === undefined) return;
    try { writeSync(ctl, `${line}\n`); } catch { /* the shim is gone */ }
  };
  let done = false;
  const wire = () => { if (!done) outputs = names.map((name, i) => readOutput(openFifo(dir, name, O_RDONLY), outs[i]!)); };
  const ready = resume
    ? takeSpool(dir, names, outs, command).then(wire).catch(() => { for (const out of outs) out.end(); })
    : Promise.resolve(wire());
  let stdinFd = o.stdin ? openFifo(dir, 'stdin', O_WRONLY) : undefined;
  let exiting = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    const finish = () => {
      if (exiting || done) return;
      exiting = true;
      waitSock.destroy();
      const status = readExit(dir) ?? { exitCode: 137, signal: 'SIGKILL' };
      const ends = outs.map((out) => new Promise<void>((r) => (out.writableFinished ? r() : out.once('finish', () => r()))));
      void ready.then(() => {
        for (const out of outputs) finishOutput(out);
        return Promise.all(ends);
      }).then(() => {
        done = true;
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
    stdin, stdout: outs[0]!, stderr: outs[1] ?? null, exited,
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
