import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordKind, StateStore, StoredEvent, StoredRecord } from '@sockerless/sdk';
import { ImageService } from '../src/image-service';

/** This folder's fakes: an in-memory store, an event recorder, and an ImageService on a temp home. */
import { MemoryStateStore as MemoryStore, RecordingEventsBus as RecordingBus, silentLogger } from '@sockerless/sdk/testing';
export { MemoryStore, RecordingBus, silentLogger };

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
