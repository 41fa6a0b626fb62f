import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { OutboundStream } from './flow';

/**
 * The workload's main process, wrapped by the agent: its output goes to the agent's own stdout/stderr (what
 * the cloud's log capture sees) and to every attached session; attached sessions may feed its stdin.
 */

export interface MainExit {
  exitCode: number;
  signal?: string;
}

/** One attached session's view of the output. */
export interface Subscriber {
  stdout: OutboundStream;
  stderr: OutboundStream;
}

/** How long after the exit output may still trickle in before the agent stops waiting for it. */
const OUTPUT_IDLE_MS = 50;
const OUTPUT_CAP_MS = 2000;

/** What an agent session needs of the main process, whether the agent spawned it or runs beside it. */
export interface MainHandle {
  readonly pid?: number;
  readonly stdin: Writable | null;
  readonly running: boolean;
  attach(sub: Subscriber): void;
  detach(sub: Subscriber): void;
  signal(signal: NodeJS.Signals): void;
}

export class MainProcess implements MainHandle {
  readonly child: ChildProcess;
  readonly exited: Promise<MainExit>;
  private readonly subscribers = new Set<Subscriber>();
  private lastOutputAt = Date.now();
  private done = false;

  constructor(argv: string[], opts: { env: NodeJS.ProcessEnv; stdin: boolean }) {
    this.child = spawn(argv[0], argv.slice(1), { env: opts.env, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    // A closed stdin (the process never reads it) must not take the agent down.
    this.child.stdin?.on('error', () => undefined);
    const copies = Promise.all([
      this.copy(this.child.stdout!, process.stdout, 'stdout'),
      this.copy(this.child.stderr!, process.stderr, 'stderr'),
    ]);
    this.exited = new Promise<MainExit>((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        process.stderr.write(`${spawnErrorMessage(argv[0], err)}\n`);
        this.finish();
        resolve({ exitCode: err.code === 'EACCES' ? 126 : 127 });
      });
      this.child.once('exit', (code, signal) => {
        const status = exitStatusOf(code, signal);
        // Wait for the rest of the output, but not for a background process that still holds the pipes.
        this.lastOutputAt = Date.now();
        void settleAfterExit(copies, () => this.lastOutputAt).then(() => {
          this.finish();
          resolve(status);
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdin(): Writable | null {
    return this.child.stdin;
  }

  get running(): boolean {
    return !this.done;
  }

  attach(sub: Subscriber): void {
    if (this.done) { sub.stdout.end(); sub.stderr.end(); return; }
    this.subscribers.add(sub);
  }

  detach(sub: Subscriber): void {
    this.subscribers.delete(sub);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  private async copy(src: Readable, own: NodeJS.WriteStream, kind: 'stdout' | 'stderr'): Promise<void> {
    try {
      for await (const chunk of src) {
        this.lastOutputAt = Date.now();
        const buf = chunk as Buffer;
        own.write(buf);
        // A slow attached reader holds the process back, as a slow `docker attach` does.
        if (this.subscribers.size) await Promise.all([...this.subscribers].map((s) => s[kind].write(buf)));
      }
    } catch {
      // The pipe broke: the process is gone.
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const sub of this.subscribers) { sub.stdout.end(); sub.stderr.end(); }
    this.subscribers.clear();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }
}

/**
 * The main process when the entrypoint script started it and the agent runs beside it (the fast path of
 * sandbox-mounts.ts): its output goes straight to the log capture, so an attach carries no output, only
 * signals reach it through the agent. The script ends the agent when the main process exits.
 */
export class SupervisedMain implements MainHandle {
  readonly stdin = null;
  readonly running = true;

  constructor(readonly pid: number) {}

  attach(): void {
    // Nothing to copy: the output does not pass through the agent. The attach ends with the connection.
  }

  detach(): void {}

  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // Already gone: the script is about to end the agent too.
    }
  }
}

/** After an exit: the output copies finished, or no output came for a moment (a background child holds the pipes). */
export async function settleAfterExit(copies: Promise<unknown>, lastOutputAt: () => number): Promise<void> {
  const cap = Date.now() + OUTPUT_CAP_MS;
  let settled = false;
  void copies.then(() => { settled = true; });
  await Promise.resolve();
  while (!settled && Date.now() < cap && Date.now() - lastOutputAt() < OUTPUT_IDLE_MS) {
    await new Promise<void>((r) => setTimeout(r, OUTPUT_IDLE_MS / 2));
  }
}

/** A child's end as Docker reports it: its code, or 128 + N for a death by signal N. */
export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): MainExit {
  return signal ? { exitCode: 128 + ((constants.signals as Record<string, number>)[signal] ?? 0), signal } : { exitCode: code ?? 0 };
}

/** As runc words it, so a missing program reads the same as under Docker. */
export function spawnErrorMessage(program: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') {
    return program.includes('/')
      ? `exec: "${program}": stat ${program}: no such file or directory`
      : `exec: "${program}": executable file not found in $PATH`;
  }
  if (err.code === 'EACCES') return `exec: "${program}": permission denied`;
  return `exec: "${program}": ${err.message}`;
}
