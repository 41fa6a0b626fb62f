import type { Readable } from 'node:stream';
import type { ContainerLog, LogStreamName as StreamName, WorkloadProcess } from '@sockerless/sdk';

/** A client attached to a container's output (an attach connection). */
export interface OutputSink {
  write(stream: StreamName, data: Buffer): void;
  /** The container's output ended (it exited); the sink flushes and closes. */
  end(): void;
}

/**
 * One container's live I/O across its runs: output to the log and every attached client, attached stdin to the
 * process. Stdin before start is kept: `docker run -i` attaches and writes before it starts.
 */
export class ContainerIO {
  private readonly sinks = new Set<OutputSink>();
  private proc?: WorkloadProcess;
  private pendingStdin: Buffer[] = [];
  private stdinEnded = false;
  private outputOpen = 0;

  constructor(readonly log: ContainerLog) {}

  addSink(sink: OutputSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Pipes an attach client's stdin. `closeOnEnd` (StdinOnce) closes the process's stdin when it ends. */
  attachStdin(source: Readable, closeOnEnd: boolean): void {
    source.on('data', (chunk: Buffer) => {
      if (this.proc?.stdin && !this.proc.stdin.writableEnded) this.proc.stdin.write(chunk);
      else if (!this.proc) this.pendingStdin.push(chunk);
    });
    source.on('end', () => {
      if (!closeOnEnd) return;
      if (this.proc?.stdin) this.proc.stdin.end();
      else if (!this.proc) this.stdinEnded = true;
    });
    source.on('error', () => undefined);
  }

  /** Wires a freshly started process; resolves when both its output streams have ended. */
  bind(proc: WorkloadProcess): Promise<void> {
    this.proc = proc;
    if (proc.stdin) {
      proc.stdin.on('error', () => undefined);
      for (const chunk of this.pendingStdin) proc.stdin.write(chunk);
      if (this.stdinEnded) proc.stdin.end();
    }
    this.pendingStdin = [];
    this.stdinEnded = false;
    const streams: [StreamName, Readable | null][] = [['stdout', proc.stdout], ['stderr', proc.stderr]];
    const ends = streams.filter(([, s]) => s).map(([name, s]) => new Promise<void>((resolve) => {
      this.outputOpen++;
      s!.on('data', (chunk: Buffer) => {
        this.log.write(name, chunk);
        for (const sink of this.sinks) sink.write(name, chunk);
      });
      const done = () => { this.outputOpen--; resolve(); };
      s!.once('end', done);
      s!.once('error', done);
    }));
    return Promise.all(ends).then(() => this.log.flush());
  }

  /** The run is over: close every attached client and forget the process. */
  finishRun(): void {
    this.proc = undefined;
    this.log.endRun();
    for (const sink of [...this.sinks]) sink.end();
    this.sinks.clear();
  }

  get process(): WorkloadProcess | undefined {
    return this.proc;
  }
}
