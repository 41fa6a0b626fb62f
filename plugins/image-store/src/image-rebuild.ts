import { readFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Collection, ImageRecord, Logger } from '@sockerless/sdk';
import type { BlobStore } from './blob-store';
import type { ImageConfig } from '@sockerless/sdk/images';

/** Configs are a few KB; a blob past this size is a layer and is not even opened. */
const MAX_CONFIG_BYTES = 4 << 20;

/**
 * Every reference and the image id it names, beside the blobs, as dockerd's `image/<driver>/repositories.json`
 * is kept beside its image metadata: the state database is the truth, this file is what tags an image rebuilt
 * from its blobs when the database lost its record. Written after each image mutation, only when it changed.
 */
export class RepositoriesFile {
  private written = '';

  constructor(private readonly file: string) {}

  static in(imagesDir: string): RepositoriesFile {
    return new RepositoriesFile(join(imagesDir, 'repositories.json'));
  }

  read(): Record<string, string> {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? parsed as Record<string, string> : {};
    } catch {
      return {};
    }
  }

  async save(records: ImageRecord[]): Promise<void> {
    const refs: Record<string, string> = {};
    for (const rec of records) for (const ref of [...rec.repoTags, ...rec.repoDigests]) refs[ref] = rec.id;
    const json = JSON.stringify(refs);
    if (json === this.written) return;
    // Written whole and renamed into place: a crash leaves the old file or the new one, never half of one.
    await writeFile(`${this.file}.tmp`, json, { mode: 0o600 });
    await rename(`${this.file}.tmp`, this.file);
    this.written = json;
  }
}

/** Boot: what a lost or torn state database dropped of the images, put back from the home; then the file in step. */
export async function recoverImageRecords(images: Collection<ImageRecord>, blobs: BlobStore, repositories: RepositoriesFile, logger: Logger): Promise<void> {
  const refs = repositories.read();
  for (const rec of rebuildImages(blobs, new Set(images.all().map((r) => r.id)), refs, logger)) await images.put(rec);
  for (const rec of restoreRefs(images.all(), refs, logger)) await images.put(rec);
  await repositories.save(images.all());
}

/**
 * Image records for the configs in the blob store that no record names: what a lost or torn state database
 * leaves behind. A config is recognized by its content (a JSON object with `rootfs.diff_ids`, every layer of
 * which is stored); its tags come from the repositories file, so `docker images` shows what it showed.
 */
export function rebuildImages(blobs: BlobStore, known: ReadonlySet<string>, refs: Record<string, string>, logger: Logger): ImageRecord[] {
  const rebuilt: ImageRecord[] = [];
  for (const id of blobs.digests()) {
    if (known.has(id) || blobs.size(id) > MAX_CONFIG_BYTES) continue;
    const config = readConfig(blobs.path(id));
    const layers = config?.rootfs?.diff_ids;
    if (!config || !Array.isArray(layers) || !layers.every((l) => typeof l === 'string' && blobs.has(l))) continue;
    const named = Object.entries(refs).filter(([, to]) => to === id).map(([ref]) => ref);
    rebuilt.push({
      id, repoTags: named.filter((r) => !r.includes('@')), repoDigests: named.filter((r) => r.includes('@')),
      created: config.created ?? '', size: layers.reduce((n, l) => n + blobs.size(l), 0), config, layers, hasLayers: layers.length > 0,
    });
  }
  if (rebuilt.length > 0) {
    logger.error('images in the home had no record in the state database; rebuilt from their stored configs and the repositories file', {
      images: rebuilt.map((r) => ({ id: r.id, tags: r.repoTags })),
    });
  }
  return rebuilt;
}

/**
 * Tags the repositories file holds and no record does, put back on their image: a store that kept an image's
 * record but lost the later write that tagged it (a torn WAL) shows it tagged again. A reference some record
 * already holds is the store's to say; it is left alone.
 */
export function restoreRefs(records: ImageRecord[], refs: Record<string, string>, logger: Logger): ImageRecord[] {
  const held = new Set(records.flatMap((r) => [...r.repoTags, ...r.repoDigests]));
  const byId = new Map(records.map((r) => [r.id, r]));
  const changed = new Map<string, ImageRecord>();
  for (const [ref, id] of Object.entries(refs)) {
    const rec = changed.get(id) ?? byId.get(id);
    if (held.has(ref) || !rec) continue;
    const copy = changed.get(id) ?? structuredClone(rec);
    (ref.includes('@') ? copy.repoDigests : copy.repoTags).push(ref);
    changed.set(id, copy);
  }
  if (changed.size > 0) {
    logger.error('image tags in the repositories file were missing from the state database; put back', {
      images: [...changed.values()].map((r) => ({ id: r.id, tags: [...r.repoTags, ...r.repoDigests] })),
    });
  }
  return [...changed.values()];
}

function readConfig(path: string): ImageConfig | undefined {
  try {
    const bytes = readFileSync(path);
    if (bytes[0] !== 0x7b) return undefined; // '{': a layer is a tar, never JSON
    const parsed = JSON.parse(bytes.toString('utf8')) as ImageConfig & { schemaVersion?: unknown };
    // A manifest or an index is JSON too, but has no rootfs.
    return parsed && typeof parsed === 'object' && parsed.schemaVersion === undefined ? parsed : undefined;
  } catch {
    return undefined;
  }
}
