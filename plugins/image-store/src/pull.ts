import { NotFoundError, type ProgressWriter } from '@sockerless/sdk';
import type { RegistryCredentials } from '@sockerless/sdk/images';
import type { BlobStore } from './blob-store';
import type { ImageConfig } from '@sockerless/sdk/images';
import { MEDIA_TYPES, RegistryClient, type FetchedManifest } from './registry-client';
import { familiarString, type ImageReference } from '@sockerless/sdk/images';

/**
 * `docker pull` over the distribution API, reporting progress in the JSON lines the docker CLI renders.
 * Everything that can fail early (reaching the registry, auth, a missing manifest) happens before the first
 * progress line, so those failures become plain HTTP errors, as with Docker.
 */


export interface Platform { os: string; architecture: string; variant?: string }

export interface PullRequest {
  /** Has a tag or a digest. */
  ref: ImageReference;
  platform: Platform;
  credentials?: RegistryCredentials;
}

/** What the pull needs from the image service. */
export interface PullTarget {
  blobs: BlobStore;
  hasImage(id: string): boolean;
  /** Stores the image (unpacking its rootfs), tags it; `tagChanged` is false when the tag already pointed there. */
  commitPulled(configBytes: Buffer, ref: ImageReference, manifestDigest: string): Promise<{ tagChanged: boolean }>;
  /** Runs `fn` once per key at a time, so concurrent pulls of shared layers download them once. */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

interface Descriptor { mediaType?: string; digest: string; size?: number; platform?: Partial<Platform> }

const PARALLEL_DOWNLOADS = 3;
const PROGRESS_EVERY_BYTES = 512 * 1024;

export async function pullImage(target: PullTarget, req: PullRequest, progress: ProgressWriter): Promise<string> {
  const client = new RegistryClient(req.ref, req.credentials);
  const top = await client.getManifest(req.ref.digest ?? req.ref.tag!);
  const manifest = isIndex(top) ? await client.getManifest(pickPlatform(top, req.platform, req.ref).digest) : top;
  const config = manifest.json.config as Descriptor | undefined;
  const layers = (manifest.json.layers ?? []) as Descriptor[];
  if (!config?.digest) throw new Error(`the manifest of ${familiarString(req.ref)} has no config`);

  progress({ status: `Pulling from ${req.ref.path}`, id: req.ref.digest ?? req.ref.tag });
  const shown = familiarString(req.ref);
  if (!target.hasImage(config.digest)) {
    const configBytes = await client.getBlobBytes(config.digest);
    const diffIds = (JSON.parse(configBytes.toString('utf8')) as ImageConfig).rootfs?.diff_ids ?? [];
    if (diffIds.length !== layers.length) {
      throw new Error(`invalid image ${shown}: the config lists ${diffIds.length} layers, the manifest ${layers.length}`);
    }
    const fetched = await downloadLayers(target, client, layers, diffIds, progress);
    const { tagChanged } = await target.commitPulled(configBytes, req.ref, top.digest);
    for (const id of fetched) progress({ status: 'Pull complete', progressDetail: {}, id });
    return finish(progress, top.digest, shown, tagChanged, config.digest);
  }
  const { tagChanged } = await target.commitPulled(await target.blobs.read(config.digest), req.ref, top.digest);
  return finish(progress, top.digest, shown, tagChanged, config.digest);
}

function finish(progress: ProgressWriter, digest: string, shown: string, tagChanged: boolean, imageId: string): string {
  progress({ status: `Digest: ${digest}` });
  progress({ status: tagChanged ? `Status: Downloaded newer image for ${shown}` : `Status: Image is up to date for ${shown}` });
  return imageId;
}

function isIndex(m: FetchedManifest): boolean {
  return m.mediaType === MEDIA_TYPES.dockerList || m.mediaType === MEDIA_TYPES.ociIndex || (Array.isArray(m.json.manifests) && !m.json.config);
}

/** Picks the entry for our platform from a manifest list / OCI index (attestations have `unknown/unknown`). */
export function pickPlatform(index: FetchedManifest, want: Platform, ref: ImageReference): Descriptor {
  const entries = (index.json.manifests ?? []) as Descriptor[];
  const matching = entries.filter((d) => d.platform?.os === want.os && d.platform?.architecture === want.architecture);
  const exact = matching.find((d) => !want.variant || d.platform?.variant === want.variant);
  const chosen = exact ?? (want.variant ? undefined : matching[0]);
  if (!chosen) {
    const name = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
    throw new NotFoundError(`no matching manifest for ${name} in the manifest list entries of ${familiarString(ref)}`);
  }
  return chosen;
}

/** Downloads the missing layers, at most three at a time; returns the short ids it fetched. */
async function downloadLayers(target: PullTarget, client: RegistryClient, layers: Descriptor[], diffIds: string[], progress: ProgressWriter): Promise<string[]> {
  const shortId = (d: Descriptor) => d.digest.replace(/^sha256:/, '').slice(0, 12);
  const todo: number[] = [];
  layers.forEach((layer, i) => {
    if (target.blobs.has(diffIds[i])) progress({ status: 'Already exists', progressDetail: {}, id: shortId(layer) });
    else {
      progress({ status: 'Pulling fs layer', progressDetail: {}, id: shortId(layer) });
      todo.push(i);
    }
  });
  const queue = [...todo];
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const layer = layers[i];
      const id = shortId(layer);
      await target.once(diffIds[i], async () => {
        if (target.blobs.has(diffIds[i])) return;
        const { body, size } = await client.getBlobStream(layer.digest);
        const total = layer.size ?? size ?? 0;
        let reported = 0;
        await target.blobs.ingestLayer(body, {
          repository: client.repository,
          expectedDigest: layer.digest,
          expectedDiffId: diffIds[i],
          onRawBytes: (current) => {
            if (current - reported < PROGRESS_EVERY_BYTES && current !== total) return;
            reported = current;
            progress({ status: 'Downloading', progressDetail: { current, total }, progress: progressBar(current, total), id });
          },
        });
      });
      progress({ status: 'Verifying Checksum', progressDetail: {}, id });
      progress({ status: 'Download complete', progressDetail: {}, id });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_DOWNLOADS, todo.length) }, worker));
  return todo.map((i) => shortId(layers[i]));
}

/** The `[=====>     ]  1.2MB/3.4MB` text Docker sends alongside progressDetail (shown by old clients). */
export function progressBar(current: number, total: number): string {
  const width = 50;
  const filled = total > 0 ? Math.min(width, Math.floor((current / total) * width)) : 0;
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + ' '.repeat(width - filled);
  return `[${bar}] ${humanSize(current)}/${humanSize(total)}`;
}

function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : Number(v.toPrecision(4))}${units[i]}`;
}
