import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordKind, StateStore, StoredEvent, StoredRecord } from '@sockerless/sdk';
import { ImageService } from '../../src/engine/images/image-service';

/** This folder's fakes: an in-memory store, an event recorder, and an ImageService on a temp home. */
export class MemoryStore implements StateStore {
  readonly records = new Map<string, Map<string, StoredRecord>>();
  private kind(k: RecordKind) {
    if (!this.records.has(k)) this.records.set(k, new Map());
    return this.records.get(k)!;
  }
  loadAll(kind: RecordKind) { return [...this.kind(kind).values()].map((r) => structuredClone(r)); }
  put(kind: RecordKind, record: StoredRecord) { this.kind(kind).set(record.id, structuredClone(record)); }
  delete(kind: RecordKind, id: string) { this.kind(kind).delete(id); }
  appendEvent() {}
  readEvents() { return []; }
  close() {}
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, child() { return silentLogger; } };

export class RecordingBus {
  readonly emitted: Omit<StoredEvent, 'timeNano'>[] = [];
  emit(e: Omit<StoredEvent, 'timeNano'>) { this.emitted.push(e); }
  subscribe() { return () => undefined; }
  actions() { return this.emitted.map((e) => e.Action); }
}

export interface Harness {
  home: string;
  store: MemoryStore;
  events: RecordingBus;
  /** Container ids per image id, as the engine would report them. */
  users: Map<string, string[]>;
  images: ImageService;
  /** A second service on the same home and store, as after a daemon restart. */
  restart(): Promise<ImageService>;
  dispose(): void;
}

export async function makeHarness(prefix = 'sockerless-images-'): Promise<Harness> {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const store = new MemoryStore();
  const events = new RecordingBus();
  const users = new Map<string, string[]>();
  const make = async () => {
    const svc = new ImageService({ home, store, events, logger: silentLogger, containersUsingImage: (id) => users.get(id) ?? [] });
    await svc.load();
    return svc;
  };
  const images = await make();
  return { home, store, events, users, images, restart: make, dispose: () => rmSync(home, { recursive: true, force: true }) };
}

/** Collects a Readable (or async iterable) into one Buffer. */
export async function collect(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
