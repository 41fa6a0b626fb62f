import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { InvalidArgumentError, NotFoundError, type ImageRecord, type ProgressWriter } from '@sockerless/sdk';
import type { RegistryCredentials } from '@sockerless/sdk/images';
import type { BlobStore, CompressedForm } from './blob-store';
import type { ImageService } from './image-service';
import { progressBar } from './pull';
import { MEDIA_TYPES, RegistryClient } from './registry-client';
import { canonicalName, familiarName, familiarString, parseReference, referenceWithTag, type ImageReference } from '@sockerless/sdk/images';

/**
 * `docker push` as dockerd's distribution/push_v2.go does it: ping the registry, then per tag upload each
 * layer the registry does not have yet as a gzip blob (a form already pulled from or pushed to a registry
 * is offered first: `Layer already exists`), the config as it is (so the image id survives the trip),
 * and a Docker v2 schema 2 manifest, the format dockerd 20.10 to 28 push for an image of their own store.
 * Every failure after the first line goes into the JSON stream, as dockerd sends it.
 */

/** What a push needs from the image store. */
export interface PushSource {
  blobs: BlobStore;
  /** The image a name:tag points at, or undefined. */
  imageByTag(ref: ImageReference): ImageRecord | undefined;
  /** Every local tag of the repository of `ref`, for a push without a tag. */
  tagsOf(ref: ImageReference): ImageReference[];
  /** Points `repo@digest` at the pushed image (dockerd shows it in RepoDigests) and emits the push event. */
  pushed(image: ImageRecord, tagged: ImageReference, digest: string): Promise<void>;
}

export interface PushRequest {
  name: string;
  tag?: string;
  credentials?: RegistryCredentials;
}

const CONFIG_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json';
const LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const PROGRESS_EVERY_BYTES = 512 * 1024;

interface Descriptor { mediaType: string; size: number; digest: string }

export async function pushImage(source: PushSource, req: PushRequest, progress: ProgressWriter): Promise<void> {
  const named = referenceWithTag(req.name, req.tag);
  if (named.digest) throw new InvalidArgumentError('cannot push a digest reference');
  progress({ status: `The push refers to repository [${canonicalName(named)}]` });
  // dockerd's wording depends on whether the repository has any tag here at all.
  const known = source.tagsOf(named);
  if (known.length === 0) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(named)}`);
  const tags = named.tag ? [named] : known;
  const images = tags.map((t) => {
    const image = source.imageByTag(t);
    if (!image) throw new NotFoundError(`tag does not exist: ${familiarString(t)}`);
    return { tag: t, image };
  });
  const client = new RegistryClient(named, req.credentials, 'push');
  await client.ping();
  for (const { tag, image } of images) {
    const manifest = await pushOne(source.blobs, client, image, progress);
    const digest = await client.putManifest(tag.tag!, MEDIA_TYPES.dockerManifest, manifest);
    progress({ status: `${tag.tag}: digest: ${digest} size: ${manifest.length}` });
    progress({ progressDetail: {}, aux: { Tag: tag.tag, Digest: digest, Size: manifest.length } });
    await source.pushed(image, tag, digest);
  }
}

/** Uploads what the registry lacks of one image; answers its manifest's bytes. */
async function pushOne(blobs: BlobStore, client: RegistryClient, image: ImageRecord, progress: ProgressWriter): Promise<Buffer> {
  const shortId = (diffId: string) => diffId.replace(/^sha256:/, '').slice(0, 12);
  for (const diffId of image.layers) progress({ status: 'Preparing', progressDetail: {}, id: shortId(diffId) });
  const layers: Descriptor[] = [];
  for (const diffId of image.layers) {
    const id = shortId(diffId);
    const forms = await blobs.compressedOf(diffId);
    const present = await firstPresent(client, forms);
    if (present) {
      progress({ status: 'Layer already exists', progressDetail: {}, id });
      layers.push({ mediaType: LAYER_MEDIA_TYPE, digest: present.digest, size: present.size });
      continue;
    }
    const mounted = await mountFromSibling(client, forms);
    if (mounted) {
      progress({ status: `Mounted from ${mounted.from}`, progressDetail: {}, id });
      await blobs.rememberCompressed(diffId, { ...mounted.form, repository: client.repository });
      layers.push({ mediaType: LAYER_MEDIA_TYPE, digest: mounted.form.digest, size: mounted.form.size });
      continue;
    }
    const tmp = blobs.tempPath();
    try {
      const form = await gzipLayer(blobs.path(diffId), blobs.size(diffId), tmp, (current, total) => {
        progress({ status: 'Pushing', progressDetail: { current, total }, progress: progressBar(current, total), id });
      });
      if (await client.hasBlob(form.digest)) progress({ status: 'Layer already exists', progressDetail: {}, id });
      else {
        await client.uploadBlob(form.digest, createReadStream(tmp), form.size);
        progress({ status: 'Pushed', progressDetail: {}, id });
      }
      await blobs.rememberCompressed(diffId, { ...form, repository: client.repository });
      layers.push({ mediaType: LAYER_MEDIA_TYPE, ...form });
    } finally {
      await rm(tmp, { force: true });
    }
  }
  const config = await blobs.read(image.id);
  if (!(await client.hasBlob(image.id))) await client.uploadBlob(image.id, config, config.length);
  // Go's json.MarshalIndent with three spaces, the bytes dockerd sends (and so the digest it would get).
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.dockerManifest,
    config: { mediaType: CONFIG_MEDIA_TYPE, size: config.length, digest: image.id },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  }, null, 3));
}

async function firstPresent(client: RegistryClient, forms: CompressedForm[]): Promise<CompressedForm | undefined> {
  const tried = new Set<string>();
  for (const form of forms) {
    if (tried.has(form.digest)) continue;
    tried.add(form.digest);
    if (await client.hasBlob(form.digest)) return form;
  }
  return undefined;
}

/** A form that another repository of the same registry holds, mounted as dockerd does (`Mounted from x`). */
async function mountFromSibling(client: RegistryClient, forms: CompressedForm[]): Promise<{ form: CompressedForm; from: string } | undefined> {
  const host = `${client.repository.split('/')[0]}/`;
  for (const form of forms) {
    if (!form.repository?.startsWith(host) || form.repository === client.repository) continue;
    const from = form.repository.slice(host.length);
    if (await client.mountBlob(form.digest, from)) return { form, from };
  }
  return undefined;
}

/** Compresses a stored (uncompressed) layer into `tmp`, hashing the gzip bytes on the way. */
async function gzipLayer(path: string, total: number, tmp: string, onProgress: (current: number, total: number) => void): Promise<CompressedForm> {
  const hash = createHash('sha256');
  let size = 0;
  let read = 0;
  let reported = 0;
  await pipeline(
    createReadStream(path),
    async function* count(chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        read += chunk.length;
        if (read - reported >= PROGRESS_EVERY_BYTES || read === total) {
          reported = read;
          onProgress(read, total);
        }
        yield chunk;
      }
    },
    createGzip(),
    async function* digest(chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(tmp),
  );
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Every tag among `repoTags` in the repository of `ref` (by canonical name). */
export function tagsInRepository(repoTags: string[], ref: ImageReference): ImageReference[] {
  return repoTags.map(parseReference).filter((t) => t.tag && canonicalName(t) === canonicalName(ref));
}

/** The image service as a push sees it. */
export function pushSourceOf(images: ImageService): PushSource {
  return {
    blobs: images.blobs,
    imageByTag: (ref) => {
      try { return images.resolve(familiarString(ref)).record; } catch { return undefined; }
    },
    tagsOf: (ref) => tagsInRepository(images.list().flatMap((i) => i.RepoTags), ref),
    pushed: async (image, tagged, digest) => {
      const { record } = await images.addImage(await images.blobs.read(image.id), [], [{ ...tagged, tag: undefined, digest }]);
      images.emit('push', familiarString(tagged), familiarString(tagged), record);
    },
  };
}
