import { closeSync, createReadStream, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';
import { MonotonicNanoClock, type ContainerLog, type LogEntry, type LogReadOptions, type LogReadSink, type LogStreamName as StreamName } from '@sockerless/sdk';

interface LogFileLine { s: 'o' | 'e'; t: number; b: string }

/**
 * Container logs as JSON-lines files under SOCKERLESS_HOME, so they survive a daemon restart, plus a live
 * feed for followers. Output is split into lines as Docker's json-file driver does, so `tail` and
 * `timestamps` work per line; a partial line waits for its newline until the stream ends.
 *
 * Written synchronously, each chunk as it is read: what the daemon took from a workload's output is on disk
 * before it takes more, so a `kill -9` of the daemon loses none of it (live-restore: the monitor keeps what
 * was not read yet). A write to the page cache costs microseconds; a buffered stream would hold lines in memory.
 */
export class JsonLinesLog extends EventEmitter implements ContainerLog {
  private fd?: number;
  private readonly partial: Record<StreamName, Buffer | undefined> = { stdout: undefined, stderr: undefined };
  private readonly clock = new MonotonicNanoClock();

  constructor(readonly file: string) {
    super();
    this.setMaxListeners(0);
  }

  write(stream: StreamName, chunk: Buffer): void {
    let buf = this.partial[stream] ? Buffer.concat([this.partial[stream]!, chunk]) : chunk;
    this.partial[stream] = undefined;
    const entries: LogEntry[] = [];
    let nl: number;
    while ((nl = buf.indexOf(10)) >= 0) {
      entries.push({ stream, timeNano: this.clock.now(), data: buf.subarray(0, nl + 1) });
      buf = buf.subarray(nl + 1);
    }
    // A very long line without newline is flushed in pieces so memory stays bounded.
    if (buf.length > 16 * 1024) entries.push({ stream, timeNano: this.clock.now(), data: buf });
    else if (buf.length > 0) this.partial[stream] = Buffer.from(buf);
    this.append(entries);
  }

  /** Flushes partial lines; called when the process's streams end. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream];
      this.partial[stream] = undefined;
      if (rest && rest.length) this.append([{ stream, timeNano: this.clock.now(), data: rest }]);
    }
  }

  private append(entries: LogEntry[]): void {
    if (entries.length === 0) return;
    const text = Buffer.from(entries.map((e) => {
      const line: LogFileLine = { s: e.stream === 'stdout' ? 'o' : 'e', t: e.timeNano, b: e.data.toString('base64') };
      return `${JSON.stringify(line)}\n`;
    }).join(''));
    try {
      if (this.fd === undefined) {
        mkdirSync(join(this.file, '..'), { recursive: true });
        // 0640, as dockerd's json-file logs (the home above keeps them from other users anyway).
        this.fd = openSync(this.file, 'a', 0o640);
      }
      for (let off = 0; off < text.length;) off += writeSync(this.fd, text, off, text.length - off);
    } catch {
      // A full disk or a removed home: the lines still reach the followers; a stream's handler must not throw.
    }
    for (const e of entries) this.emit('entry', e);
  }

  endRun(): void {
    this.emit('run-end');
  }

  /** Everything written so far is on disk already: appends are synchronous. */
  async readAll(): Promise<LogEntry[]> {
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

  async read(options: LogReadOptions, sink: LogReadSink): Promise<() => void> {
    const { since, until, tail } = options;
    const keep = (e: LogEntry) => (e.stream === 'stdout' ? options.stdout : options.stderr) && (since === undefined || e.timeNano >= since) && (until === undefined || e.timeNano <= until);
    const live: LogEntry[] = [];
    let replayed = false;
    let lastNano = 0;
    const onEntry = (e: LogEntry) => {
      if (!replayed) { live.push(e); return; }
      if (e.timeNano > lastNano && keep(e)) sink.entry(e);
    };
    // Subscribed before the replay is read: a run that ends while it is read must still end the stream.
    let ended = false;
    const markEnded = () => { ended = true; };
    if (options.follow) { this.on('entry', onEntry); this.once('run-end', markEnded); }
    const all = await this.readAll();
    this.off('run-end', markEnded);
    let entries = all.filter(keep);
    if (tail !== Infinity) entries = tail === 0 ? [] : entries.slice(-tail);
    for (const e of entries) sink.entry(e);
    // Live entries already in the replay (or cut by tail) are not sent again.
    lastNano = all.length ? all[all.length - 1].timeNano : 0;
    replayed = true;
    for (const e of live) onEntry(e);
    let finished = false;
    const finish = () => {
      this.off('entry', onEntry);
      this.off('run-end', finish);
      if (!finished) { finished = true; sink.end(); }
    };
    if (!options.follow || ended || (until !== undefined && until <= Date.now() * 1e6)) finish();
    else this.once('run-end', finish);
    return finish;
  }

  /**
   * The time of the last line on disk, read from the file's tail (a long log is not read whole), or
   * undefined for an empty log. Recovery asks a cloud backend for the output written after it.
   */
  async lastEntryTime(): Promise<Date | undefined> {
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
    if (this.fd !== undefined) { try { closeSync(this.fd); } catch { /* closed */ } }
    this.fd = undefined;
  }

  /** The file and its dir, which holds nothing else: the container's own (`<home>/containers/<id>`). */
  destroy(): void {
    this.close();
    rmSync(dirname(this.file), { recursive: true, force: true });
  }
}
