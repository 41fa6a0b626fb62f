import { createHash } from 'node:crypto';
import { Collection, InvalidArgumentError, type BuildCacheJson, type BuildCachePruneOptions, type StateStore, type StoredRecord } from '@sockerless/sdk';
import type { ImageStore as ImageService } from '@sockerless/sdk';
import { untilSeconds } from '@sockerless/sdk/images';

/** One cached build step: the image a step made from a parent, found again by the step's cache key. */
export interface BuildCacheRecord extends StoredRecord {
  /** The cache key: sha256 of the parent image id and the step's probe (its config and created_by). */
  id: string;
  imageId: string;
  /** The image the step started from; '' for a step on `scratch`. */
  parent: string;
  /** The step's created_by (`/bin/sh -c #(nop) COPY file:... in /app/`). */
  description: string;
  /** Bytes of the layer the step added; 0 for a metadata-only step. */
  size: number;
  createdAt: string;
  lastUsedAt: string;
  usageCount: number;
}

const PRUNE_FILTERS = ['until', 'unused-for', 'id', 'type', 'description', 'inuse', 'shared', 'private'];

/**
 * The classic builder's layer cache, kept by the daemon: dockerd finds a step's result among the children of
 * the parent image whose container config equals the step's (its ImageCache.GetCache); we key the same
 * question (parent id + the step's config, created_by and, for COPY/ADD, the copied content's hash) in a
 * durable store, so a cache survives a restart and can be listed and pruned like BuildKit's records.
 */
export class BuildCache {
  private readonly records: Collection<BuildCacheRecord>;
  /** Images a running build stands on: `InUse`, and never pruned from under it. */
  private readonly inUse = new Map<string, number>();
  private readonly usedSinceFlush = new Map<string, { lastUsedAt: string; uses: number }>();

  constructor(store: StateStore, private readonly images: ImageService, private readonly containersUsingImage: (id: string) => string[]) {
    this.records = new Collection<BuildCacheRecord>(store, 'build-cache');
  }

  load(): Promise<void> {
    return this.records.load();
  }

  static keyOf(parent: string, probe: unknown): string {
    return createHash('sha256').update(parent).update('\n').update(JSON.stringify(probe)).digest('hex');
  }

  /**
   * The image a cached step made, if that image still exists; counts the use. The count and time are
   * statistics, not state a client was told about: they are written once per build (flushUsage), so a
   * fully cached build does not wait for one durable write per step.
   */
  async lookup(key: string): Promise<string | undefined> {
    const rec = this.records.get(key);
    if (!rec) return undefined;
    if (!this.imageExists(rec.imageId)) {
      await this.records.delete(key);
      return undefined;
    }
    const used = this.usedSinceFlush.get(key);
    this.usedSinceFlush.set(key, { lastUsedAt: new Date().toISOString(), uses: (used?.uses ?? 0) + 1 });
    return rec.imageId;
  }

  /** Writes the use counts and times lookups gathered since the last flush. */
  async flushUsage(): Promise<void> {
    const pending = [...this.usedSinceFlush];
    this.usedSinceFlush.clear();
    for (const [key, used] of pending) {
      const rec = this.records.get(key);
      if (rec) await this.records.put({ ...rec, lastUsedAt: used.lastUsedAt, usageCount: rec.usageCount + used.uses });
    }
  }

  async remember(key: string, step: { imageId: string; parent: string; description: string; size: number }): Promise<void> {
    const now = new Date().toISOString();
    await this.records.put({ id: key, ...step, createdAt: now, lastUsedAt: now, usageCount: 1 });
  }

  /** Marks the images a build uses until the returned function is called. */
  hold(imageId: string): () => void {
    this.inUse.set(imageId, (this.inUse.get(imageId) ?? 0) + 1);
    return () => {
      const n = (this.inUse.get(imageId) ?? 1) - 1;
      if (n <= 0) this.inUse.delete(imageId);
      else this.inUse.set(imageId, n);
    };
  }

  /** The records as `GET /system/df`'s `BuildCache` lists them. */
  usage(): BuildCacheJson[] {
    const pending = (r: BuildCacheRecord) => this.usedSinceFlush.get(r.id);
    const byImage = new Map(this.records.all().map((r) => [r.imageId, r.id]));
    return this.records.all().filter((r) => this.imageExists(r.imageId)).map((r) => {
      const parent = byImage.get(r.parent) ?? '';
      return {
        ID: shortKey(r.id), Parent: parent ? shortKey(parent) : '', Parents: parent ? [shortKey(parent)] : [],
        Type: 'regular', Description: r.description, InUse: this.inUse.has(r.imageId), Shared: this.isShared(r.imageId),
        Size: r.size, CreatedAt: r.createdAt, LastUsedAt: pending(r)?.lastUsedAt ?? r.lastUsedAt, UsageCount: r.usageCount + (pending(r)?.uses ?? 0),
      };
    });
  }

  /**
   * `POST /build/prune`: forgets cached steps and deletes their images where nothing else holds them (not
   * tagged, no container, no child image). Without `all`, only steps whose image can be freed go; with it,
   * every step not in use. `keep-storage` keeps the most recently used steps up to that many bytes.
   */
  async prune(opts: BuildCachePruneOptions): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    for (const name of opts.filters.keys()) if (!PRUNE_FILTERS.includes(name)) throw new InvalidArgumentError(`invalid filter '${name}'`);
    await this.flushUsage();
    const until = [...(opts.filters.get('until') ?? []), ...(opts.filters.get('unused-for') ?? [])].map(untilSeconds);
    const candidates = this.records.all()
      .filter((r) => !this.inUse.has(r.imageId))
      .filter((r) => until.every((t) => Date.parse(r.lastUsedAt) / 1000 < t))
      .sort((a, b) => Date.parse(b.lastUsedAt) - Date.parse(a.lastUsedAt));
    let kept = 0;
    const deleted: string[] = [];
    let space = 0;
    // Newest first: a child step's image goes before its parent's, which it holds.
    for (const rec of candidates.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))) {
      if (opts.keepStorage > 0 && kept + rec.size <= opts.keepStorage) {
        kept += rec.size;
        continue;
      }
      const exists = this.imageExists(rec.imageId);
      if (exists && this.isShared(rec.imageId)) {
        if (!opts.all) continue;
      } else if (exists) {
        await this.images.remove(rec.imageId, { noprune: true }).catch(() => undefined);
        if (!this.imageExists(rec.imageId)) space += rec.size;
      }
      await this.records.delete(rec.id);
      deleted.push(shortKey(rec.id));
    }
    return { CachesDeleted: deleted, SpaceReclaimed: space };
  }

  private imageExists(id: string): boolean {
    try {
      return this.images.resolve(id).id === id;
    } catch {
      return false;
    }
  }

  /** Held by something besides the cache: a tag, a container, or a child image. */
  private isShared(imageId: string): boolean {
    const rec = this.images.resolve(imageId).record;
    if (rec.repoTags.length || rec.repoDigests.length || this.containersUsingImage(imageId).length) return true;
    return this.images.hasChildren(imageId);
  }
}

/** BuildKit's record ids are 25 characters; the key's first 25 hex digits are as unique here. */
function shortKey(key: string): string {
  return key.slice(0, 25);
}
