import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';
import { MonotonicNanoClock } from './clock';

export type StreamName = 'stdout' | 'stderr';

/** One line of output (or a partial line flushed at exit), with the time it was read. */
export interface LogEntry {
  stream: StreamName;
  /** Nanoseconds since the epoch. */
  timeNano: number;
  data: Buffer;
}

interface LogFileLine { s: 'o' | 'e'; t: number; b: string }

/**
 * Container logs as JSON-lines files under SOCKERLESS_HOME, so they survive a daemon restart, plus a live
 * feed for followers. Output is split into lines as Docker's json-file driver does, so `tail` and
 * `timestamps` work per line; a partial line waits for its newline until the stream ends.
 */
export class ContainerLog extends EventEmitter {
  private writer?: WriteStream;
  private readonly partial: Record<StreamName, Buffer | undefined> = { stdout: undefined, stderr: undefined };
  private readonly clock = new MonotonicNanoClock();

  constructor(readonly file: string) {
    super();
    this.setMaxListeners(0);
  }

  write(stream: StreamName, chunk: Buffer): void {
    let buf = this.partial[stream] ? Buffer.concat([this.partial[stream]!, chunk]) : chunk;
    this.partial[stream] = undefined;
    let nl: number;
    while ((nl = buf.indexOf(10)) >= 0) {
      this.append({ stream, timeNano: this.clock.now(), data: buf.subarray(0, nl + 1) });
      buf = buf.subarray(nl + 1);
    }
    // A very long line without newline is flushed in pieces so memory stays bounded.
    if (buf.length > 16 * 1024) this.append({ stream, timeNano: this.clock.now(), data: buf });
    else if (buf.length > 0) this.partial[stream] = Buffer.from(buf);
  }

  /** Flushes partial lines; called when the process's streams end. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream];
      this.partial[stream] = undefined;
      if (rest && rest.length) this.append({ stream, timeNano: this.clock.now(), data: rest });
    }
  }

  private append(entry: LogEntry): void {
    if (!this.writer) {
      mkdirSync(join(this.file, '..'), { recursive: true });
      // 0640, as dockerd's json-file logs (the home above keeps them from other users anyway).
      this.writer = createWriteStream(this.file, { flags: 'a', mode: 0o640 });
    }
    const line: LogFileLine = { s: entry.stream === 'stdout' ? 'o' : 'e', t: entry.timeNano, b: entry.data.toString('base64') };
    this.writer.write(`${JSON.stringify(line)}\n`);
    this.emit('entry', entry);
  }

  /** Resolves once everything written so far is on disk, so a reader sees it. */
  async sync(): Promise<void> {
    const w = this.writer;
    if (!w || w.writableLength === 0) return;
    await new Promise<void>((resolve) => w.write('', () => resolve()));
  }

  async readAll(): Promise<LogEntry[]> {
    await this.sync();
    if (!existsSync(this.file)) return [];
    const out: LogEntry[] = [];
    const rl = createInterface({ input: createReadStream(this.file), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line) continue;
      try {
        const l = JSON.parse(line) as LogFileLine;
        out.push({ stream: l.s === 'o' ? 'stdout' : 'stderr', timeNano: l.t, data: Buffer.from(l.b, 'base64') });
      } catch {
        // A torn last line after a crash is skipped, not fatal.
      }
    }
    return out;
  }

  /**
   * The time of the last line on disk, read from the file's tail (a long log is not read whole), or
   * undefined for an empty log. Recovery asks a cloud backend for the output written after it.
   */
  async lastEntryTime(): Promise<Date | undefined> {
    await this.sync();
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.file, 'r');
      const { size } = await handle.stat();
      // Each stored line is at most ~22 KiB (16 KiB of data in base64 plus the JSON around it).
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, size - length);
      const lines = buf.toString('utf8').split('\n').filter(Boolean).reverse();
      for (const line of lines) {
        try {
          const t = (JSON.parse(line) as LogFileLine).t;
          if (typeof t === 'number') return new Date(Math.floor(t / 1e6));
        } catch {
          // A torn last line (or the cut first one) is skipped.
        }
      }
      return undefined;
    } catch {
      return undefined;
    } finally {
      await handle?.close();
    }
  }

  close(): void {
    this.writer?.end();
    this.writer = undefined;
  }

  destroy(): void {
    this.close();
    rmSync(this.file, { force: true });
  }
}
