import type { RecordKind, StoredEvent, StoredRecord } from '../contracts/records';
import type { StateStore } from '../contracts/store';
import type { Logger } from '../services';

/**
 * Small fakes for unit tests of one module (a store for a service under test, a logger that stays quiet,
 * an events bus that records). A claim that a feature works is made with the real store and a real host.
 */
export class MemoryStateStore implements StateStore {
  readonly records = new Map<string, Map<string, StoredRecord>>();
  readonly events: StoredEvent[] = [];
  private kind(k: RecordKind) {
    if (!this.records.has(k)) this.records.set(k, new Map());
    return this.records.get(k)!;
  }
  loadAll(kind: RecordKind) { return [...this.kind(kind).values()].map((r) => structuredClone(r)); }
  put(kind: RecordKind, record: StoredRecord) { this.kind(kind).set(record.id, structuredClone(record)); }
  delete(kind: RecordKind, id: string) { this.kind(kind).delete(id); }
  appendEvent(e: StoredEvent) { this.events.push(e); }
  readEvents(since: number, until: number) { return this.events.filter((e) => e.timeNano >= since && e.timeNano <= until); }
  close() {}
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return silentLogger; } };

export class RecordingEventsBus {
  readonly emitted: Omit<StoredEvent, 'timeNano'>[] = [];
  emit(e: Omit<StoredEvent, 'timeNano'>) { this.emitted.push(e); }
  subscribe() { return () => undefined; }
  actions(type?: string) { return this.emitted.filter((e) => !type || e.Type === type).map((e) => e.Action); }
}
