import type { LogEvent, LogsService, Persistence } from '../context';
import { AwsError } from '../errors';

/** Events kept per stream (in memory and on disk); older ones are dropped from the front. */
const MAX_EVENTS_PER_STREAM = 10_000;
/** Streams kept per group (each task makes one); the least recently written go first. */
const MAX_STREAMS_PER_GROUP = 1000;

export interface LogStream {
  name: string;
  creationTime: number;
  /** Sorted by timestamp (stable for equal stamps). */
  events: LogEvent[];
  /** How many events were dropped from the front: an event's position is `dropped + index`, so tokens stay valid. */
  dropped: number;
  storedBytes: number;
  lastIngestionTime?: number;
  sequence: number;
}

export interface LogGroup {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  tags: Record<string, string>;
  streams: Map<string, LogStream>;
}

interface Snapshot {
  groups: Array<Omit<LogGroup, 'streams'> & { streams: LogStream[] }>;
}

/** CloudWatch Logs' state: groups, their streams and events. The runner and Lambda write through `LogsService`. */
export class LogsStore implements LogsService {
  readonly groups = new Map<string, LogGroup>();

  constructor(private readonly persist: Persistence, private readonly groupArn: (name: string) => string) {
    const snap = persist.load<Snapshot>('logs');
    for (const g of snap?.groups ?? []) {
      this.groups.set(g.name, { ...g, streams: new Map(g.streams.map((s) => [s.name, s])) });
    }
  }

  arnOf(group: string): string {
    return this.groupArn(group);
  }

  ensureGroup(group: string): LogGroup {
    return this.groups.get(group) ?? this.createGroup(group, {});
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  ensureStream(group: string, stream: string): LogStream {
    return this.ensureGroup(group).streams.get(stream) ?? this.createStream(group, stream);
  }

  append(group: string, stream: string, events: Array<{ timestamp: number; message: string }>): void {
    this.put(this.ensureStream(group, stream), events);
  }

  createGroup(name: string, tags: Record<string, string>): LogGroup {
    if (this.groups.has(name)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    const g: LogGroup = { name, creationTime: Date.now(), tags, streams: new Map() };
    this.groups.set(name, g);
    this.changed();
    return g;
  }

  deleteGroup(name: string): void {
    this.group(name);
    this.groups.delete(name);
    this.changed();
  }

  createStream(group: string, name: string): LogStream {
    const g = this.group(group);
    if (g.streams.has(name)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    const s: LogStream = { name, creationTime: Date.now(), events: [], dropped: 0, storedBytes: 0, sequence: 0 };
    g.streams.set(name, s);
    if (g.streams.size > MAX_STREAMS_PER_GROUP) this.dropStalest(g);
    this.changed();
    return s;
  }

  deleteStream(group: string, name: string): void {
    this.stream(group, name);
    this.groups.get(group)!.streams.delete(name);
    this.changed();
  }

  group(name: string): LogGroup {
    const g = this.groups.get(name);
    if (!g) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return g;
  }

  stream(group: string, name: string): LogStream {
    const s = this.group(group).streams.get(name);
    if (!s) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    return s;
  }

  /** Stores events (already validated), keeping the stream sorted by timestamp; returns the next sequence token. */
  put(stream: LogStream, events: Array<{ timestamp: number; message: string }>): string {
    const now = Date.now();
    for (const e of events) {
      const ev: LogEvent = { timestamp: e.timestamp, message: e.message, ingestionTime: now };
      const last = stream.events[stream.events.length - 1];
      if (!last || last.timestamp <= ev.timestamp) stream.events.push(ev);
      else stream.events.splice(upperBound(stream.events, ev.timestamp), 0, ev);
      stream.storedBytes += Buffer.byteLength(e.message) + 26;
    }
    const excess = stream.events.length - MAX_EVENTS_PER_STREAM;
    if (excess > 0) {
      stream.events.splice(0, excess);
      stream.dropped += excess;
    }
    if (events.length > 0) stream.lastIngestionTime = now;
    stream.sequence += 1;
    this.changed();
    return sequenceToken(stream);
  }

  private dropStalest(g: LogGroup): void {
    let stalest: LogStream | undefined;
    for (const s of g.streams.values()) {
      if (!stalest || (s.lastIngestionTime ?? s.creationTime) < (stalest.lastIngestionTime ?? stalest.creationTime)) stalest = s;
    }
    if (stalest) g.streams.delete(stalest.name);
  }

  private changed(): void {
    this.persist.changed('logs', () => this.snapshot());
  }

  private snapshot(): Snapshot {
    return { groups: [...this.groups.values()].map((g) => ({ ...g, streams: [...g.streams.values()] })) };
  }
}

/** The stream's upload sequence token: its write count, as the service's 56-digit number. */
export function sequenceToken(stream: LogStream): string {
  return String(stream.sequence).padStart(56, '0');
}

/** The first index whose timestamp is greater than `ts`. */
function upperBound(events: LogEvent[], ts: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].timestamp <= ts) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** The first index whose timestamp is at least `ts`. */
export function lowerBound(events: LogEvent[], ts: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].timestamp < ts) lo = mid + 1; else hi = mid;
  }
  return lo;
}
