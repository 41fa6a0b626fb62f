import { spawn as spawnChild } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, write as writeFd } from 'node:fs';
import { constants } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import { ReadStream as TtyReadStream } from 'node:tty';
import type { ConsoleSize, ExitStatus, WorkloadProcess } from '@sockerless/sdk';
import type { IPty } from 'node-pty';
import { terminalClosed, terminalOpened, withoutOpenTerminals } from './terminal-fds';

export interface SpawnOptions {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  tty: boolean;
  stdin: boolean;
  uid?: number;
  gid?: number;
  /**
   * Run in a process group of its own and kill that whole group once the leader exits. Used when there is
   * no pid namespace to take the stragglers down (host mode), so output streams end with the workload.
   */
  killGroupOnExit?: boolean;
  /**
   * With a TTY: the command gives the workload a session of its own with the terminal as its controlling
   * tty (the sandbox's busybox `setsid -c`), as runc does. The spawned program (bwrap, nsenter) must then
   * not hold the terminal itself, or a Ctrl-C would kill it too instead of reaching only the workload: it
   * is started in a new session without one.
   */
  workloadLeadsSession?: boolean;
  /** The terminal's size at start; 80x24 when not given. */
  size?: ConsoleSize;
  /**
   * Descriptors the program gets as fd 3, 4, ... (the device cgroup's cgroup.procs for confine). Honoured
   * by every path but spawnPty's fallback, which only runs when node-pty's native binding is unusable.
   */
  extraFds?: number[];
  /**
   * The spawned chain closes every descriptor above 2 itself before anything of the container runs (the
   * confine helper does, as runc does): the terminal masters need not be closed by a shell in front of it.
   */
  closesInheritedFds?: boolean;
}

/** `o.file o.args`, fronted by the terminal-closing shell unless the chain closes descriptors itself. */
function commandOf(o: SpawnOptions, firstInherited?: number): { file: string; args: string[] } {
  return o.closesInheritedFds ? { file: o.file, args: o.args } : withoutOpenTerminals(o.file, o.args, firstInherited);
}

export interface Spawned {
  proc: WorkloadProcess;
  /** Host pid of the spawned program (bwrap, nsenter or the workload itself in host mode). */
  pid: number;
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals as Record<string, number>).find(([, v]) => v === n)?.[0];
}

/** Exit code as Docker reports it: 128+N for a death by signal N (bwrap and nsenter already pass that on). */
function status(code: number | null, signal: NodeJS.Signals | number | null): ExitStatus {
  if (signal !== null && signal !== 0) {
    const n = typeof signal === 'number' ? signal : (constants.signals as Record<string, number>)[signal] ?? 0;
    return { exitCode: 128 + n, signal: signalName(n) };
  }
  return { exitCode: code ?? 0 };
}

function killGroup(pid: number): void {
  try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
}

export function spawnProcess(o: SpawnOptions): Spawned {
  if (!o.tty) return spawnPiped(o);
  return o.workloadLeadsSession || o.extraFds?.length ? spawnOnDetachedPty(o) : spawnPty(o);
}

/** Whether spawnProcess can hand `extraFds` to a program started with or without a TTY. */
export function canPassFds(tty: boolean): boolean {
  return !tty || nativePty() !== undefined;
}

function spawnPiped(o: SpawnOptions): Spawned {
  const { file, args } = commandOf(o, 3 + (o.extraFds?.length ?? 0));
  const child = spawnChild(file, args, {
    cwd: o.cwd, env: o.env, uid: o.uid, gid: o.gid,
    stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(o.extraFds ?? [])],
    detached: o.killGroupOnExit ?? false,
  });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failures surface as 'error' on the next tick; report them as a failed start.
    return { pid: -1, proc: failed(child) };
  }
  if (o.killGroupOnExit) child.on('exit', () => killGroup(pid));
  // A workload that stops reading its stdin must not crash the daemon with EPIPE.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('error', (err) => resolve({ exitCode: 128, error: err.message }));
    child.on('close', (code, signal) => resolve(status(code, signal)));
  });
  // Node discards a child's unread output when it exits before anyone listens (flushStdio), which a quick
  // workload does while start() still waits for its pid; our own streams keep every byte for the reader.
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  child.stdout!.pipe(stdout);
  child.stderr!.pipe(stderr);
  return { pid, proc: { stdin: child.stdin, stdout, stderr, exited, pid } };
}

function failed(child: ReturnType<typeof spawnChild>): WorkloadProcess {
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('error', (err) => resolve({ exitCode: 127, error: err.message }));
  });
  const out = new PassThrough(); out.end();
  return { stdin: null, stdout: out, stderr: null, exited };
}

function spawnPty(o: SpawnOptions): Spawned {
  // Loaded lazily: a native module that fails to build should only break TTY containers.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pty = require('node-pty') as typeof import('node-pty');
  const { file, args } = commandOf(o);
  const term: IPty = pty.spawn(file, args, {
    name: o.env.TERM ?? 'xterm', cols: o.size?.cols ?? 80, rows: o.size?.rows ?? 24, cwd: o.cwd, env: o.env, uid: o.uid, gid: o.gid,
    // Buffers, so a multi-byte character split across reads is not mangled.
    encoding: null,
  } as import('node-pty').IPtyForkOptions);
  // node-pty's master, not public API: without it, this terminal may leak into later spawns.
  const master = (term as unknown as { _fd?: number })._fd;
  terminalOpened(master);
  const stdout = new PassThrough();
  term.onData((d: string | Buffer) => { stdout.write(d); });
  const exited = new Promise<ExitStatus>((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      terminalClosed(master);
      if (o.killGroupOnExit) killGroup(term.pid);
      stdout.end();
      const done = () => resolve(status(exitCode, signal ?? null));
      if (stdout.writableFinished) done(); else stdout.once('finish', done);
    });
  });
  let stdin: Writable | null = null;
  if (o.stdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        try { term.write(chunk as unknown as string); } catch { /* exited */ }
        cb();
      },
      final(cb) {
        // A terminal has no half-close: ^D at the start of a line is how a program reading it sees EOF.
        try { term.write('\x04'); } catch { /* exited */ }
        cb();
      },
    });
  }
  return {
    pid: term.pid,
    proc: {
      stdin, stdout, stderr: null, exited, pid: term.pid,
      resize(rows: number, cols: number) {
        try { term.resize(Math.max(1, cols), Math.max(1, rows)); } catch { /* exited */ }
      },
    },
  };
}

/** The part of node-pty's native binding used to open a terminal without spawning on it. */
interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
  resize(fd: number, cols: number, rows: number): void;
}

function nativePty(): NativePty | undefined {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const native = (require('node-pty') as { native?: Partial<NativePty> | null }).native;
  return native?.open && native.resize ? (native as NativePty) : undefined;
}

/**
 * A TTY the workload takes as its controlling terminal itself (see `workloadLeadsSession`): the terminal
 * is opened here and its slave handed over as stdin, stdout and stderr of a new session that has no
 * controlling terminal, so the foreground group of the terminal is the workload's alone. node-pty's spawn
 * cannot do that (it makes the spawned program the session leader) and its `native` binding is not public
 * API, so without it this falls back to spawnPty.
 */
function spawnOnDetachedPty(o: SpawnOptions): Spawned {
  const native = nativePty();
  if (!native) return spawnPty(o);
  const { master, slave, pty: slavePath } = native.open(o.size?.cols ?? 80, o.size?.rows ?? 24);
  // Before the spawn below, so the workload does not get its own terminal's master either.
  terminalOpened(master);
  let workloadEnd: number;
  try {
    // node-pty made both ends non-blocking for its own reads. The workload needs a blocking terminal, and
    // O_NONBLOCK belongs to an open file, not to the device: a fresh open of the slave has it clear.
    workloadEnd = openSync(slavePath, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  } finally {
    closeSync(slave);
  }
  const { file, args } = commandOf(o, 3 + (o.extraFds?.length ?? 0));
  const child = spawnChild(file, args, {
    cwd: o.cwd, env: o.env, uid: o.uid, gid: o.gid, stdio: [workloadEnd, workloadEnd, workloadEnd, ...(o.extraFds ?? [])], detached: true,
  });
  closeSync(workloadEnd);
  const terminal = new TtyReadStream(master);
  let open = true;
  const stdout = new PassThrough();
  terminal.on('data', (d: Buffer) => stdout.write(d));
  // Reading the master fails with EIO once the last holder of the slave is gone: that is its end.
  terminal.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => terminal.once('close', () => { open = false; terminalClosed(master); resolve(); }));
  const endOutput = () => new Promise<void>((resolve) => {
    stdout.end();
    if (stdout.writableFinished) resolve(); else stdout.once('finish', () => resolve());
  });
  if (child.pid === undefined) {
    terminal.destroy();
    void endOutput();
    return { pid: -1, proc: failed(child) };
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('error', (err) => { terminal.destroy(); void endOutput().then(() => resolve({ exitCode: 128, error: err.message })); });
    child.on('exit', (code, signal) => {
      // What the workload wrote just before it exited is still in the terminal: read on until the slave
      // hangs up, but not for ever, as a process left behind (an exec's background job) may keep it open.
      const timer = setTimeout(() => terminal.destroy(), 250);
      void closed.then(() => { clearTimeout(timer); return endOutput(); }).then(() => resolve(status(code, signal)));
    });
  });
  const stdin = o.stdin ? terminalInput(master, () => open) : null;
  return {
    pid: child.pid,
    proc: {
      stdin, stdout, stderr: null, exited, pid: child.pid,
      resize(rows: number, cols: number) {
        if (!open) return;
        try { native.resize(master, Math.max(1, cols), Math.max(1, rows)); } catch { /* hung up */ }
      },
    },
  };
}

/**
 * Writes to a terminal's master fd in order. The fd is non-blocking, so a full input buffer (EAGAIN) is
 * retried on the next turn of the event loop rather than blocking the daemon.
 */
function terminalInput(master: number, isOpen: () => boolean): Writable {
  const writeAll = (chunk: Buffer, cb: (err?: Error | null) => void) => {
    if (!isOpen() || chunk.length === 0) return cb();
    writeFd(master, chunk, 0, chunk.length, null, (err, written) => {
      if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') return void setImmediate(() => writeAll(chunk, cb));
      if (err) return cb(); // the terminal hung up: the workload is gone
      writeAll(chunk.subarray(written), cb);
    });
  };
  return new Writable({
    write(chunk: Buffer, _enc, cb) { writeAll(chunk, cb); },
    // A terminal has no half-close: ^D at the start of a line is how a program reading it sees EOF.
    final(cb) { writeAll(Buffer.from([4]), cb); },
  });
}
