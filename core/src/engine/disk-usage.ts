import { InvalidArgumentError, type BuildCacheJson, type ImageDiskUsage, type ImageStore, type VolumeStore, type VolumeUsage } from '@sockerless/sdk';
import type { ContainerRecord } from './container-record';
import { summarizeContainer } from './docker-shapes';

/** `GET /system/df` (dockerd's daemon/disk_usage.go) from each part's report, each computed only when asked (`type=`). */
export const DISK_USAGE_TYPES = ['container', 'image', 'volume', 'build-cache'] as const;
export type DiskUsageType = (typeof DISK_USAGE_TYPES)[number];

export interface DiskUsageDeps {
  images: Pick<ImageStore, 'diskUsage' | 'resolve'>;
  volumes: Pick<VolumeStore, 'usage'>;
  /** The containers the caller may see. */
  containers(): ContainerRecord[];
  /** Bytes a container wrote on top of its image (the driver's diskUsage), or undefined when unknown. */
  writableLayerSize(c: ContainerRecord): Promise<number | undefined>;
  /** The builder's cached steps; none (as dockerd with only the classic builder) without a builder. */
  buildCache(): BuildCacheJson[];
}

export interface DiskUsageJson extends Partial<ImageDiskUsage> {
  Containers?: Record<string, unknown>[];
  Volumes?: VolumeUsage[];
  BuildCache?: BuildCacheJson[];
  BuilderSize?: number;
}

/** The parts `types` asks for, all of them when it is empty. */
export async function computeDiskUsage(deps: DiskUsageDeps, types: DiskUsageType[] = []): Promise<DiskUsageJson> {
  const wants = (t: DiskUsageType) => types.length === 0 || types.includes(t);
  const out: DiskUsageJson = {};
  if (wants('image')) {
    const containers = deps.containers();
    Object.assign(out, deps.images.diskUsage((imageId) => containers.filter((c) => c.imageId === imageId).length));
  }
  if (wants('container')) out.Containers = await containerUsage(deps);
  if (wants('volume')) out.Volumes = await deps.volumes.usage();
  if (wants('build-cache')) {
    out.BuildCache = deps.buildCache();
    out.BuilderSize = out.BuildCache.reduce((n, r) => n + r.Size, 0);
  }
  return out;
}

/** dockerd's SizeRootFs is the writable layer plus the image's layers. */
async function containerUsage(deps: DiskUsageDeps): Promise<Record<string, unknown>[]> {
  const list = [...deps.containers()].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  return Promise.all(list.map(async (c) => {
    const rw = (await deps.writableLayerSize(c)) ?? 0;
    return summarizeContainer(c, { rw, rootFs: rw + imageSizeOf(deps.images, c.imageId) });
  }));
}

/** The size of an image's layers; 0 for an image removed by force while a container still uses it. */
export function imageSizeOf(images: Pick<ImageStore, 'resolve'>, imageId: string): number {
  try { return images.resolve(imageId).record.size; } catch { return 0; }
}

/** Parses the `type` query values; dockerd answers 400 `unknown object type: x` for another. */
export function diskUsageTypes(values: string[]): DiskUsageType[] {
  for (const v of values) {
    if (!(DISK_USAGE_TYPES as readonly string[]).includes(v)) throw new InvalidArgumentError(`unknown object type: ${v}`);
  }
  return values as DiskUsageType[];
}
