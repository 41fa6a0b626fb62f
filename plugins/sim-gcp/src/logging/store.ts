import { randomBytes } from 'node:crypto';
import type { LogEntry, LogSink, Persistence } from '../context';
import { invalid } from '../errors';
import { compareTimestamps, severityName } from './filter';

/** Entries kept, oldest dropped first: the simulator's stand-in for a bucket's retention. */
const MAX_ENTRIES = 100_000;

/** Cloud Logging's entries, in arrival order, kept in `state/logging.json`. */
export class LogStore implements LogSink {
  private readonly entries: LogEntry[];
  private seq = 0;

  constructor(private readonly persist: Persistence) {
    this.entries = persist.load<LogEntry[]>('logging') ?? [];
  }

  write(entries: Array<Partial<LogEntry> & Pick<LogEntry, 'logName' | 'resource'>>): void {
    const received = new Date().toISOString();
    for (const e of entries) {
      this.entries.push({
        ...e,
        timestamp: e.timestamp ?? received,
        receiveTimestamp: received,
        severity: severityName(e.severity),
        // Unique and increasing within the simulator, as Cloud Logging's own insert ids are per writer.
        insertId: e.insertId ?? `${Date.now().toString(36)}${(this.seq++).toString(36).padStart(6, '0')}${randomBytes(2).toString('hex')}`,
      } as LogEntry);
    }
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    this.persist.changed('logging', () => this.entries);
  }

  /** Entries of the given projects (`projects/P`) matching `predicate`, in `orderBy` (`timestamp asc|desc`). */
  query(resourceNames: string[], predicate: (e: LogEntry) => boolean, orderBy: string | undefined): LogEntry[] {
    const projects = resourceNames.map((r) => {
      const m = /^projects\/([^/]+)$/.exec(r);
      if (!m) throw invalid(`Unsupported resource name: ${r} (the simulator keeps project logs only)`);
      return `projects/${m[1]}/logs/`;
    });
    const order = (orderBy ?? 'timestamp asc').trim().toLowerCase();
    if (!/^timestamp( asc| desc)?$/.test(order)) throw invalid(`Invalid orderBy: ${orderBy}; only "timestamp asc" and "timestamp desc" are supported`);
    const desc = order.endsWith('desc');
    const out = this.entries.filter((e) => projects.some((p) => e.logName.startsWith(p)) && predicate(e));
    // Equal timestamps keep the order lines were written in (reversed for desc): arrival order, then a stable sort.
    if (desc) out.reverse();
    out.sort((a, b) => compareTimestamps(a.timestamp, b.timestamp) * (desc ? -1 : 1));
    return out;
  }
}
