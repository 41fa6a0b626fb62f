import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type ImageRecord, type ProgressWriter } from '@sockerless/sdk';
import type { BlobStore } from './blob-store';
import { readDockerArchive } from './docker-archive';
import { hostPlatform, parseConfig } from '@sockerless/sdk/images';
import { familiarString, parseReference, withDefaultTag, type ImageReference } from '@sockerless/sdk/images';

/** What `docker load` needs of the image store. */
export interface ImageLoadTarget {
  blobs: BlobStore;
  /** Runs `fn` once per key at a time (two loads of one layer share the work). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  addImage(configBytes: Buffer, tags: ImageReference[]): Promise<{ record: ImageRecord; displaced: { ref: ImageReference; previousId: string }[] }>;
  emitLoad(rec: ImageRecord): void;
}

/** `docker load`: reads a docker-save (or OCI layout) tar; reports `Loaded image: ...` lines as dockerd does. */
export async function loadImageArchive(store: ImageLoadTarget, source: AsyncIterable<Buffer>, write: ProgressWriter): Promise<ImageRecord[]> {
  const work = join(store.blobs.tmpDir, `load-${randomBytes(6).toString('hex')}`);
  const loaded: ImageRecord[] = [];
  try {
    const items = await readDockerArchive(source, work, hostPlatform());
    if (items.length === 0) throw new InvalidArgumentError('invalid archive: it contains no images');
    for (const item of items) {
      const diffIds = (parseConfig(item.configBytes).rootfs?.diff_ids ?? []);
      if (diffIds.length !== item.layerPaths.length) throw new InvalidArgumentError(`invalid archive: the config lists ${diffIds.length} layers, the manifest ${item.layerPaths.length}`);
      for (const [i, path] of item.layerPaths.entries()) {
        await store.once(diffIds[i], async () => {
          if (!store.blobs.has(diffIds[i])) await store.blobs.ingestLayer(createReadStream(path), { expectedDiffId: diffIds[i] });
        });
      }
      const tags = item.tags.map((t) => withDefaultTag(parseReference(t)));
      const { record, displaced } = await store.addImage(item.configBytes, tags);
      for (const d of displaced) {
        write({ stream: `The image ${familiarString(d.ref)} already exists, renaming the old one with ID ${d.previousId} to empty string\n` });
      }
      store.emitLoad(record);
      for (const line of tags.length ? tags.map((t) => `Loaded image: ${familiarString(t)}\n`) : [`Loaded image ID: ${record.id}\n`]) write({ stream: line });
      loaded.push(record);
    }
    return loaded;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
