import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  Collection, ConflictError, InvalidArgumentError, NotFoundError,
  type AuthConfigBody, type CommitRequest, type DockerApiRouter, type HistoryItemJson, type ImageDeleteItem, type ImageDiskUsage, type ImageRecord, type ImageStore, type ImageStoreContext,
  type ImageSummaryJson, type ImportOptions, type ProgressWriter, type StoredImage,
} from '@sockerless/sdk';
import {
  applyChanges, canonicalName, familiarString, importConfig, parseConfig, parsePlatform, parseReference, referenceWithTag,
  unpackLayersAtomically, withDefaultTag, type ImageReference, type RegistryCredentials,
} from '@sockerless/sdk/images';
import { BlobStore } from './blob-store';
import { RepositoriesFile, recoverImageRecords } from './image-rebuild';
import { addSaveTags, writeDockerArchive, type SaveItem } from './docker-archive';
import { hasChildren, layerChainKey, listedImages, unusedParentChain } from './image-parents';
import {
  filterImages, historyOf, inspectOf, labelsOf, pruneFilter, summaryOf, unixSeconds,
} from './image-views';
import { commitContainer } from './image-commit';
import { inspectDistribution } from './distribution';
import { loadImageArchive } from './image-load';
import { pullImage } from './pull';
import { pushImage, pushSourceOf } from './push';
import { isSingleReference, ReferenceIndex } from './reference-index';
import { registryLogin } from './registry-login';
import { imageDiskUsage } from './image-disk-usage';
import { registerImageRoutes } from './image-routes';
import { registerRegistryRoutes } from './registry-routes';
import { deleteRootfsDir, dropUnusedRootfsDirs } from './rootfs-dirs';

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/**
 * The image store: records (durable through the StateStore), content-addressed blobs and unpacked root
 * filesystems on disk under `home/images`, and the name indexes `resolve` answers from memory.
 */
export class ImageService implements ImageStore {
  private readonly images: Collection<ImageRecord>;
  private readonly refs = new ReferenceIndex();
  readonly blobs: BlobStore;
  private readonly rootfsRoot: string;
  private readonly repositories: RepositoriesFile;
  private readonly unpacked = new Set<string>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Record and index changes run one at a time, so two requests never edit stale copies of a record. */
  private mutations: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ImageStoreContext) {
    this.images = new Collection<ImageRecord>(opts.store, 'image');
    const imagesDir = join(opts.home, 'images');
    this.blobs = new BlobStore(imagesDir);
    this.rootfsRoot = join(imagesDir, 'rootfs');
    this.repositories = RepositoriesFile.in(imagesDir);
  }

  /** Boot: loads records, drops half-written rootfs dirs, re-unpacks any rootfs that went missing. */
  async load(): Promise<void> {
    this.blobs.init();
    mkdirSync(this.rootfsRoot, { recursive: true });
    await this.images.load();
    await recoverImageRecords(this.images, this.blobs, this.repositories, this.opts.logger);
    await dropUnusedRootfsDirs(this.rootfsRoot, new Set(this.images.all().map((r) => layerChainKey(r.layers))));
    for (const rec of this.images.all()) {
      for (const ref of [...rec.repoTags, ...rec.repoDigests]) this.refs.set(parseReference(ref), rec.id);
      if (!rec.hasLayers) continue;
      try {
        await this.ensureRootfs(rec.id);
      } catch (err) {
        this.opts.logger.error('cannot unpack image rootfs', { image: rec.id, err: (err as Error).message });
      }
    }
  }

  resolve(ref: string): StoredImage {
    const rec = this.find(ref);
    return { id: rec.id, repoTags: rec.repoTags, rootfs: this.rootfsPath(rec.id), config: rec.config, record: rec };
  }

  /** Whether `ref` names image `imageId` (the `ancestor` container filter). */
  matches(ref: string, imageId: string): boolean {
    return this.lookup(ref).id === imageId;
  }

  /** The unpacked root filesystem, or undefined for an image without layers (or not yet unpacked). */
  rootfsPath(imageId: string): string | undefined {
    const rec = this.images.get(imageId.startsWith('sha256:') ? imageId : `sha256:${imageId}`);
    const key = rec && layerChainKey(rec.layers);
    return key && this.unpacked.has(key) ? join(this.rootfsRoot, key) : undefined;
  }

  /** Unpacks the rootfs once (coalescing concurrent callers) and answers its path. */
  async ensureRootfs(imageId: string): Promise<string | undefined> {
    const rec = this.images.get(imageId);
    if (!rec?.hasLayers) return undefined;
    await this.unpack(rec.layers);
    return this.rootfsPath(rec.id);
  }

  list(opts: { filters?: Map<string, string[]>; all?: boolean } = {}): ImageSummaryJson[] {
    const kept = filterImages(listedImages(this.images.all(), opts.all ?? false), opts.filters ?? new Map(), (ref) => unixSeconds(this.find(ref).created));
    // Newest first by the full creation time: a build's steps made within one second list child before parent.
    const time = (r: ImageRecord) => Date.parse(r.created) || 0;
    return kept.sort((a, b) => time(b.rec) - time(a.rec)).map(({ rec, repoTags }) => summaryOf(rec, repoTags));
  }

  diskUsage(containersUsing: (imageId: string) => number): ImageDiskUsage {
    return imageDiskUsage(this, containersUsing);
  }

  inspect(ref: string): Record<string, unknown> {
    const rec = this.find(ref);
    return inspectOf(rec, this.rootfsPath(rec.id));
  }

  history(ref: string): HistoryItemJson[] {
    return historyOf(this.find(ref), (d) => (this.blobs.has(d) ? this.blobs.size(d) : 0), (id) => this.images.get(id));
  }

  /**
   * Pulls `fromImage` (+`tag`, which may be a digest; no tag means `latest`). Failures before the first
   * progress line are thrown before `progress` is ever called, so the route can still answer an HTTP error.
   */
  async pull(req: { fromImage: string; tag?: string; platform?: string; credentials?: RegistryCredentials }, progress: ProgressWriter): Promise<string> {
    const ref = withDefaultTag(referenceWithTag(req.fromImage, req.tag));
    return pullImage({
      blobs: this.blobs,
      hasImage: (id) => this.has(id),
      once: (key, fn) => this.once(key, fn),
      commitPulled: async (configBytes, pulled, manifestDigest) => {
        const digestRef = { ...pulled, tag: undefined, digest: manifestDigest };
        const { record, changed } = await this.addImage(configBytes, pulled.tag ? [pulled] : [], [digestRef]);
        this.emit('pull', familiarString(pulled), familiarString(pulled), record);
        this.opts.logger.info('image pulled', { ref: familiarString(pulled), id: record.id, digest: manifestDigest });
        return { tagChanged: changed };
      },
    }, { ref, platform: parsePlatform(req.platform), credentials: req.credentials }, progress);
  }

  /** `docker import`: the body is one rootfs tar (maybe gzip) that becomes a one-layer image. */
  async importRootfs(source: AsyncIterable<Buffer> | Readable, opts: ImportOptions = {}): Promise<ImageRecord> {
    // Validate everything the request says before reading a possibly large body.
    const ref = opts.repo ? withDefaultTag(referenceWithTag(opts.repo, opts.tag)) : undefined;
    if (ref?.digest) throw new InvalidArgumentError('cannot import with a digest reference');
    applyChanges({}, opts.changes ?? []);
    parsePlatform(opts.platform);
    const layer = await this.blobs.ingestLayer(source);
    const config = importConfig({ diffId: layer.diffId, changes: opts.changes ?? [], comment: opts.message || `Imported from ${opts.fromSrc ?? '-'}`, platform: opts.platform });
    const { record } = await this.addImage(Buffer.from(JSON.stringify(config)), ref ? [ref] : [], []);
    this.emit('import', record.id, record.id, record);
    if (ref) this.emit('tag', record.id, familiarString(ref), record);
    return record;
  }

  /** `docker load`: reads a docker-save (or OCI layout) tar; reports `Loaded image: ...` lines. */
  async loadArchive(source: AsyncIterable<Buffer>, write: ProgressWriter): Promise<ImageRecord[]> {
    return loadImageArchive({
      blobs: this.blobs, once: (key, fn) => this.once(key, fn), addImage: (bytes, tags) => this.addImage(bytes, tags, []),
      emitLoad: (rec) => this.emit('load', rec.id, rec.id, rec),
    }, source, write);
  }

  /** `docker save`: a name keeps that tag (or all tags of a bare repository name); an id saves untagged. */
  saveArchive(names: string[]): Readable {
    const items = new Map<string, SaveItem>();
    for (const name of names) {
      const found = this.lookup(name);
      const fallback = found.ref && !found.ref.tag && !found.ref.digest ? this.refs.anyTagOf(found.ref) : undefined;
      const rec = this.images.get(found.id ?? fallback ?? '');
      if (!rec) throw new NotFoundError(`No such image: ${found.shown}`);
      const item = items.get(rec.id) ?? { configDigest: rec.id, layers: rec.layers, tags: [] };
      items.set(rec.id, item);
      addSaveTags(item, rec.repoTags, found.via === 'name' ? found.ref : undefined);
    }
    for (const item of items.values()) this.emit('save', item.configDigest, item.configDigest, this.images.get(item.configDigest)!);
    return writeDockerArchive([...items.values()], this.blobs);
  }

  /** `docker tag SOURCE REPO[:TAG]`. */
  async tag(source: string, repo: string, tag?: string): Promise<void> {
    const rec = this.find(source);
    const ref = withDefaultTag(referenceWithTag(repo, tag));
    if (ref.digest) throw new InvalidArgumentError('refusing to create a tag with a digest reference');
    await this.attachRefs(rec.id, [ref], []);
    this.emit('tag', rec.id, familiarString(ref), rec);
  }

  /** `docker rmi`, following Docker's untag-then-delete rules and conflicts (image_delete.go). */
  async remove(raw: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return this.serial(async () => {
      const found = this.lookup(raw);
      if (!found.id) throw new NotFoundError(`No such image: ${found.shown}`);
      const id = found.id;
      const users = this.opts.containersUsingImage(id);
      const out: ImageDeleteItem[] = [];
      const refsOf = () => { const r = this.images.get(id)!; return [...r.repoTags, ...r.repoDigests].map(parseReference); };
      if (found.via === 'name' && found.ref) {
        const ref = found.ref.digest ? found.ref : withDefaultTag(found.ref);
        if (!opts.force && users.length && isSingleReference(refsOf())) {
          throw new ConflictError(`conflict: unable to remove repository reference "${raw}" (must force) - container ${shortId(users[0])} is using its referenced image ${shortId(id)}`);
        }
        const untag = [ref];
        // The last tag of a repository takes that repository's digest references with it.
        if (!ref.digest && !refsOf().some((r) => !r.digest && canonicalName(r) === canonicalName(ref) && r.tag !== ref.tag)) {
          untag.push(...refsOf().filter((r) => r.digest && canonicalName(r) === canonicalName(ref)));
        }
        out.push(...(await this.untagLocked(id, untag)));
        // Still named, or still used by a container (it stays, dangling, as Docker keeps it): done.
        if (refsOf().length > 0 || users.length) return out;
      } else {
        if (this.hasChildren(id)) {
          throw new ConflictError(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`);
        }
        if (!opts.force && !isSingleReference(refsOf())) {
          throw new ConflictError(`conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
        }
        if (users.length && !opts.force) {
          throw new ConflictError(`conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by container ${shortId(users[0])}`);
        }
        out.push(...(await this.untagLocked(id, refsOf())));
        // Forced while containers use it: untagged only, so their root filesystem stays; prune removes it later.
        if (users.length) return out;
      }
      const rec = this.images.get(id)!;
      out.push(...(await this.deleteLocked(id)));
      if (!opts.noprune) out.push(...(await this.deleteUnusedParentsLocked(rec)));
      return out;
    });
  }

  /** dockerd's image delete also deletes the parent chain a build left; see unusedParentChain. */
  private async deleteUnusedParentsLocked(deleted: ImageRecord): Promise<ImageDeleteItem[]> {
    const out: ImageDeleteItem[] = [];
    for (const id of unusedParentChain(this.images.all(), deleted, (i) => this.opts.containersUsingImage(i).length > 0)) out.push(...(await this.deleteLocked(id)));
    return out;
  }

  /** `docker image prune`: dangling (default) or all unused images, with label/until filters. */
  async prune(filters: Map<string, string[]> = new Map()): Promise<{ ImagesDeleted: ImageDeleteItem[]; SpaceReclaimed: number }> {
    const prunable = pruneFilter(filters);
    return this.serial(async () => {
      const deleted: ImageDeleteItem[] = [];
      let space = 0;
      for (const rec of this.images.all()) {
        // A build's intermediate image goes with the image on top of it (dockerd prunes top-level images).
        if (!this.images.get(rec.id) || !prunable(rec) || this.opts.containersUsingImage(rec.id).length || this.hasChildren(rec.id)) continue;
        deleted.push(...(await this.untagLocked(rec.id, [...rec.repoTags, ...rec.repoDigests].map(parseReference))));
        deleted.push(...(await this.deleteLocked(rec.id)));
        deleted.push(...(await this.deleteUnusedParentsLocked(rec)));
        space += rec.size;
      }
      return { ImagesDeleted: deleted, SpaceReclaimed: space };
    });
  }

  /** Whether a build made another image from this one (dockerd's image children). */
  hasChildren(id: string): boolean {
    return hasChildren(this.images.all(), id);
  }

  push(req: { name: string; tag?: string; credentials?: RegistryCredentials }, progress: ProgressWriter): Promise<void> {
    return pushImage(pushSourceOf(this), req, progress);
  }

  commit(req: CommitRequest): Promise<string> { return commitContainer(this, req); }
  inspectDistribution(name: string, credentials: RegistryCredentials | undefined) { return inspectDistribution(name, credentials); }
  login(body: AuthConfigBody) { return registryLogin(body); }

  /** dockerd's image router, and the `/auth` and `/distribution` routes that reach a registry. */
  registerRoutes(router: DockerApiRouter): void {
    registerImageRoutes(router, this);
    registerRegistryRoutes(router, this);
  }

  // ---- internals ----

  private has(id: string): boolean {
    return this.images.get(id) !== undefined;
  }

  private find(ref: string): ImageRecord {
    const found = this.lookup(ref);
    if (!found.id) throw new NotFoundError(`No such image: ${found.shown}`);
    return this.images.get(found.id)!;
  }

  private lookup(ref: string) {
    return this.refs.lookup(ref, () => this.images.all().map((r) => r.id), (id) => this.has(id));
  }

  /**
   * Stores an image from its config bytes (its layer blobs must already be stored), unpacks its rootfs,
   * and points `tags`/`digests` at it. `changed` is false when every reference already pointed here.
   */
  async addImage(configBytes: Buffer, tags: ImageReference[], digests: ImageReference[], parent?: string) {
    const id = await this.blobs.putBytes(configBytes);
    const config = parseConfig(configBytes);
    const layers = config.rootfs?.diff_ids ?? [];
    for (const l of layers) if (!this.blobs.has(l)) throw new Error(`image ${id} is missing its layer ${l}`);
    if (layers.length) await this.unpack(layers);
    if (!this.has(id)) {
      const size = layers.reduce((n, l) => n + this.blobs.size(l), 0);
      const rec: ImageRecord = { id, repoTags: [], repoDigests: [], created: config.created ?? '', size, config, layers, hasLayers: layers.length > 0, ...(parent ? { parent } : {}) };
      await this.serial(() => (this.has(id) ? Promise.resolve() : this.images.put(rec)));
    }
    const { changed, displaced } = await this.attachRefs(id, tags, digests);
    return { record: this.images.get(id)!, changed, displaced };
  }

  /** Points references at `id`, taking them away from whichever image held them (that one may go dangling). */
  private attachRefs(id: string, tags: ImageReference[], digests: ImageReference[]) {
    return this.serial(async () => {
      const displaced: { ref: ImageReference; previousId: string }[] = [];
      let changed = false;
      const rec = structuredClone(this.images.get(id)!);
      for (const ref of [...tags, ...digests]) {
        const previousId = this.refs.get(ref);
        if (previousId === id) continue;
        changed = true;
        if (previousId) {
          displaced.push({ ref, previousId });
          await this.untagLocked(previousId, [ref], false);
        }
        (ref.digest ? rec.repoDigests : rec.repoTags).push(familiarString(ref));
      }
      if (!changed) return { changed, displaced };
      if (tags.length) rec.lastTagTime = new Date().toISOString();
      await this.images.put(rec);
      for (const ref of [...tags, ...digests]) this.refs.set(ref, id);
      return { changed, displaced };
    });
  }

  /** Removes references from an image; call inside `serial`. */
  private async untagLocked(id: string, refs: ImageReference[], emit = true): Promise<ImageDeleteItem[]> {
    const rec = this.images.get(id);
    if (!rec || refs.length === 0) return [];
    const drop = new Set(refs.map(familiarString));
    await this.images.put({ ...rec, repoTags: rec.repoTags.filter((t) => !drop.has(t)), repoDigests: rec.repoDigests.filter((d) => !drop.has(d)) });
    for (const ref of refs) if (this.refs.get(ref) === id) this.refs.delete(ref);
    if (emit) for (const _ of refs) this.emit('untag', id, id, rec);
    return refs.map((r) => ({ Untagged: familiarString(r) }));
  }

  /** Deletes the record, then the rootfs and blobs no other image uses; call inside `serial`. */
  private async deleteLocked(id: string): Promise<ImageDeleteItem[]> {
    const rec = this.images.get(id)!;
    await this.images.delete(id);
    // The unpacked rootfs is shared by every image with the same layers (a build's metadata-only steps).
    const key = layerChainKey(rec.layers);
    const shared = this.images.all().some((r) => layerChainKey(r.layers) === key);
    if (!shared) {
      this.unpacked.delete(key);
      await deleteRootfsDir(join(this.rootfsRoot, key));
    }
    const stillUsed = new Set(this.images.all().flatMap((r) => [r.id, ...r.layers]));
    for (const digest of [id, ...rec.layers]) if (!stillUsed.has(digest)) await this.blobs.remove(digest);
    this.emit('delete', id, id, rec);
    return [{ Deleted: id }];
  }

  /** Unpacks a layer chain once: images with the same layers (differing only in config) share one rootfs. */
  private async unpack(layers: string[]): Promise<void> {
    const key = layerChainKey(layers);
    await this.once(`rootfs:${key}`, async () => {
      const dir = join(this.rootfsRoot, key);
      if (!existsSync(dir)) await unpackLayersAtomically(layers.map((l) => this.blobs.path(l)), dir);
      this.unpacked.add(key);
    });
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    // Each mutation ends with the repositories file in step, before its caller hears it is done.
    const run = () => fn().finally(() => this.repositories.save(this.images.all()).catch((err: Error) => {
      this.opts.logger.warn('cannot write the image repositories file', { err: err.message });
    }));
    const next = this.mutations.then(run, run);
    this.mutations = next.catch(() => undefined);
    return next;
  }

  emit(action: string, actorId: string, name: string, rec: ImageRecord | undefined): void {
    this.opts.events.emit({ Type: 'image', Action: action, Actor: { ID: actorId, Attributes: { ...(rec ? labelsOf(rec) : {}), name } } });
  }
}
