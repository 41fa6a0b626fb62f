import type { RecordKind, StoredEvent, StoredRecord } from '../contracts/records';
import type { StateStore } from '../contracts/store';
import type { Logger } from '../services';
import type { InitRegistration, SockerlessPlugin } from '../plugin';

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

/**
 * Runs a plugin's `register` with a registrar that only records, and returns its init registration, so a unit
 * test can call `init` with fakes of exactly the deps it declared. A plugin that registers an extension point
 * or provides a service is better tested through `startTestHost`.
 */
export function captureInit(plugin: SockerlessPlugin<any>): InitRegistration<any, unknown> {
  let registration: InitRegistration<any, unknown> | undefined;
  plugin.register({
    registerExtensionPoint: () => { throw new Error(`captureInit: plugin '${plugin.id}' registers an extension point; use startTestHost`); },
    provideService: () => { throw new Error(`captureInit: plugin '${plugin.id}' provides a service; use startTestHost`); },
    registerInit: (r) => { registration = r as InitRegistration<any, unknown>; },
  });
  if (!registration) throw new Error(`captureInit: plugin '${plugin.id}' did not call registerInit`);
  return registration;
}
