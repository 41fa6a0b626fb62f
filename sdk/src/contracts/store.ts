import type { RecordKind, StoredEvent, StoredRecord } from './records';

/**
 * Durable state. Every acknowledged change is written before the API answers, so `put` and `delete` must be
 * durable when they return (or when their promise resolves). The core loads everything at boot and keeps its
 * working set in memory; the store is the truth after a crash.
 */
export interface StateStore {
  loadAll(kind: RecordKind): StoredRecord[] | Promise<StoredRecord[]>;
  put(kind: RecordKind, record: StoredRecord): void | Promise<void>;
  delete(kind: RecordKind, id: string): void | Promise<void>;
  appendEvent(event: StoredEvent): void | Promise<void>;
  /** Events with since <= timeNano <= until, oldest first. */
  readEvents(sinceNano: number, untilNano: number): StoredEvent[] | Promise<StoredEvent[]>;
  close(): void | Promise<void>;
}

/** Cardinality one: exactly one plugin sets the store. */
export interface StoreRegistry {
  setStore(store: StateStore): void;
}
