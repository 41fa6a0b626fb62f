import { spawn as spawnChild } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import type { ExitStatus, WorkloadProcess } from '@sockerless/sdk';
import type { IPty } from 'node-pty';

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
  return o.tty ? spawnPty(o) : spawnPiped(o);
}

function spawnPiped(o: SpawnOptions): Spawned {
  const child = spawnChild(o.file, o.args, {
    cwd: o.cwd, env: o.env, uid: o.uid, gid: o.gid,
    stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
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
  const term: IPty = pty.spawn(o.file, o.args, {
    name: o.env.TERM ?? 'xterm', cols: 80, rows: 24, cwd: o.cwd, env: o.env, uid: o.uid, gid: o.gid,
    // Buffers, so a multi-byte character split across reads is not mangled.
    encoding: null,
  } as import('node-pty').IPtyForkOptions);
  const stdout = new PassThrough();
  term.onData((d: string | Buffer) => { stdout.write(d); });
  const exited = new Promise<ExitStatus>((resolve) => {
    term.onExit(({ exitCode, signal }) => {
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
