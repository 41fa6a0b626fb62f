import { createHash } from 'node:crypto';
import type { ImageDiskUsage, ImageStore } from '@sockerless/sdk';

/**
 * `GET /system/df`'s images (dockerd's daemon/disk_usage.go). Layers are identified by their chain id, as
 * dockerd's layer store does: the same diff on another parent is another layer. A layer that two images
 * share counts once in LayersSize and in each one's SharedSize.
 */
export function imageDiskUsage(images: Pick<ImageStore, 'list' | 'resolve' | 'blobs'>, containersUsing: (imageId: string) => number): ImageDiskUsage {
  const summaries = images.list();
  const chains = new Map<string, { size: number; users: number }>();
  const layersOf = new Map<string, { chain: string; size: number }[]>();
  const layerSize = (diffId: string) => (images.blobs.has(diffId) ? images.blobs.size(diffId) : 0);
  for (const s of summaries) {
    const layers = chainLayers(images.resolve(s.Id).record.layers, layerSize);
    layersOf.set(s.Id, layers);
    for (const l of layers) {
      const seen = chains.get(l.chain) ?? { size: l.size, users: 0 };
      seen.users++;
      chains.set(l.chain, seen);
    }
  }
  const usage = summaries.map((s) => ({
    ...s,
    SharedSize: (layersOf.get(s.Id) ?? []).filter((l) => chains.get(l.chain)!.users > 1).reduce((n, l) => n + l.size, 0),
    Containers: containersUsing(s.Id),
    // API < 1.44 clients read VirtualSize; dockerd 20.10 sends it equal to Size.
    VirtualSize: s.Size,
  }));
  const layersSize = [...chains.values()].reduce((n, l) => n + l.size, 0);
  return { LayersSize: layersSize, Images: usage };
}

/** The image's layers with their chain ids (chainID(n) = sha256(chainID(n-1) + " " + diffID(n))). */
function chainLayers(diffIds: string[], sizeOf: (diffId: string) => number): { chain: string; size: number }[] {
  let chain = '';
  return diffIds.map((diffId) => {
    chain = chain ? `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}` : diffId;
    return { chain, size: sizeOf(diffId) };
  });
}
