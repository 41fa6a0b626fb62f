import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type BuildCacheJson, type ImageStore, type ImageSummaryJson, type Volume, type VolumeStore } from '@sockerless/sdk';
import type { ContainerRecord } from './container-record';
import { summarizeContainer } from './docker-shapes';

/**
 * `GET /system/df` (dockerd's daemon/disk_usage.go): images with their shared and unique sizes, every
 * container with the size of its writable layer, volumes with their size and reference count, and the
 * build cache. Each part is computed only when asked for (`type=` of API 1.42).
 */

export const DISK_USAGE_TYPES = ['container', 'image', 'volume', 'build-cache'] as const;
export type DiskUsageType = (typeof DISK_USAGE_TYPES)[number];

/**
 * Where the build cache's usage comes from. The builder registers one (`DiskUsage.useBuildCache`) once it
 * keeps a cache; until then the answer is what dockerd with only the classic builder gives: no records.
 */
export interface BuildCacheUsageSource {
  buildCacheUsage(): Promise<{ records: BuildCacheJson[]; size: number }>;
}

export interface DiskUsageDeps {
  images: ImageStore;
  volumes: VolumeStore;
  /** The containers the caller may see. */
  containers(): ContainerRecord[];
  /** Bytes a container wrote on top of its image (the driver's diskUsage), or undefined when unknown. */
  writableLayerSize(c: ContainerRecord): Promise<number | undefined>;
}

export interface VolumeUsageJson extends Volume {
  UsageData: { Size: number; RefCount: number };
}

export interface DiskUsageJson {
  LayersSize?: number;
  Images?: ImageSummaryJson[];
  Containers?: Record<string, unknown>[];
  Volumes?: VolumeUsageJson[];
  BuildCache?: BuildCacheJson[];
  BuilderSize?: number;
}

export class DiskUsage {
  private buildCache: BuildCacheUsageSource | undefined;

  constructor(private readonly deps: DiskUsageDeps) {}

  /** The builder's hook: from now on the build cache's records and size come from `source`. */
  useBuildCache(source: BuildCacheUsageSource): void {
    this.buildCache = source;
  }

  async compute(types: DiskUsageType[] = []): Promise<DiskUsageJson> {
    const wants = (t: DiskUsageType) => types.length === 0 || types.includes(t);
    const out: DiskUsageJson = {};
    if (wants('image')) Object.assign(out, this.imageUsage());
    if (wants('container')) out.Containers = await this.containerUsage();
    if (wants('volume')) out.Volumes = await this.volumeUsage();
    if (wants('build-cache')) {
      const cache = (await this.buildCache?.buildCacheUsage()) ?? { records: [], size: 0 };
      out.BuildCache = cache.records;
      out.BuilderSize = cache.size;
    }
    return out;
  }

  /**
   * Layers are identified by their chain id, as dockerd's layer store does: the same diff on another parent
   * is another layer. A layer that two images share counts once in LayersSize and in each one's SharedSize.
   */
  private imageUsage(): { LayersSize: number; Images: ImageSummaryJson[] } {
    const containers = this.deps.containers();
    const summaries = this.deps.images.list();
    const chains = new Map<string, { size: number; users: number }>();
    const layersOf = new Map<string, { chain: string; size: number }[]>();
    for (const s of summaries) {
      const layers = chainLayers(this.deps.images.resolve(s.Id).record.layers, (d) => this.layerSize(d));
      layersOf.set(s.Id, layers);
      for (const l of layers) {
        const seen = chains.get(l.chain) ?? { size: l.size, users: 0 };
        seen.users++;
        chains.set(l.chain, seen);
      }
    }
    const images = summaries.map((s) => ({
      ...s,
      SharedSize: (layersOf.get(s.Id) ?? []).filter((l) => chains.get(l.chain)!.users > 1).reduce((n, l) => n + l.size, 0),
      Containers: containers.filter((c) => c.imageId === s.Id).length,
      // API < 1.44 clients read VirtualSize; dockerd 20.10 sends it equal to Size.
      VirtualSize: s.Size,
    }));
    const layersSize = [...chains.values()].reduce((n, l) => n + l.size, 0);
    return { LayersSize: layersSize, Images: images };
  }

  private layerSize(diffId: string): number {
    const blobs = this.deps.images.blobs;
    return blobs.has(diffId) ? blobs.size(diffId) : 0;
  }

  /** dockerd's SizeRootFs is the writable layer plus the image's layers. */
  private async containerUsage(): Promise<Record<string, unknown>[]> {
    const list = [...this.deps.containers()].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    return Promise.all(list.map(async (c) => {
      const rw = (await this.deps.writableLayerSize(c)) ?? 0;
      return summarizeContainer(c, { rw, rootFs: rw + imageSizeOf(this.deps.images, c.imageId) });
    }));
  }

  /** Every volume here is a local directory, so dockerd's -1 ("unknown", for other drivers) never applies. */
  private async volumeUsage(): Promise<VolumeUsageJson[]> {
    const { Volumes } = this.deps.volumes.list();
    return Promise.all(Volumes.map(async (v) => ({
      ...v,
      UsageData: { Size: await directorySize(v.Mountpoint), RefCount: this.deps.volumes.usedBy(v.Name).length },
    })));
  }
}

/** The size of an image's layers; 0 for an image removed by force while a container still uses it. */
export function imageSizeOf(images: ImageStore, imageId: string): number {
  try { return images.resolve(imageId).record.size; } catch { return 0; }
}

/** Parses the `type` query values; dockerd answers 400 `unknown object type: x` for another. */
export function diskUsageTypes(values: string[]): DiskUsageType[] {
  for (const v of values) {
    if (!(DISK_USAGE_TYPES as readonly string[]).includes(v)) throw new InvalidArgumentError(`unknown object type: ${v}`);
  }
  return values as DiskUsageType[];
}

/** The image's layers with their chain ids (chainID(n) = sha256(chainID(n-1) + " " + diffID(n))). */
function chainLayers(diffIds: string[], sizeOf: (diffId: string) => number): { chain: string; size: number }[] {
  let chain = '';
  return diffIds.map((diffId) => {
    chain = chain ? `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}` : diffId;
    return { chain, size: sizeOf(diffId) };
  });
}

/** Bytes of the files under `dir`, a hard-linked file counted once (dockerd's directory.Size). */
export async function directorySize(dir: string): Promise<number> {
  const inodes = new Set<number>();
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) {
      for (const child of await readdir(path).catch(() => [] as string[])) await walk(join(path, child));
      return;
    }
    if (st.nlink > 1) {
      if (inodes.has(st.ino)) return;
      inodes.add(st.ino);
    }
    total += st.size;
  };
  await walk(dir);
  return total;
}
