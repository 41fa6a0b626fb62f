import { createHash } from 'node:crypto';
import type { ImageRecord } from '@sockerless/sdk';

/**
 * The parent links `docker build` leaves between images (dockerd's image store keeps the same): what
 * `docker images` shows, what a removal takes along, and the rootfs that images with the same layers share.
 */

const tagged = (r: ImageRecord) => r.repoTags.length > 0 || r.repoDigests.length > 0;

export function hasChildren(all: ImageRecord[], id: string): boolean {
  return all.some((r) => r.parent === id);
}

/** dockerd lists a build's intermediate images (untagged, the parent of another image) only with `all`. */
export function listedImages(all: ImageRecord[], showAll: boolean): ImageRecord[] {
  if (showAll) return all;
  const parents = new Set(all.map((r) => r.parent).filter(Boolean));
  return all.filter((r) => tagged(r) || !parents.has(r.id));
}

/**
 * After `deleted` is gone, its parent chain that goes with it (dockerd's image delete without `noprune`):
 * each parent while it is untagged, used by no container and the parent of nothing else. Nearest first.
 */
export function unusedParentChain(all: ImageRecord[], deleted: ImageRecord, inUse: (id: string) => boolean): string[] {
  const byId = new Map(all.map((r) => [r.id, r]));
  const chain: string[] = [];
  const gone = new Set([deleted.id]);
  for (let rec = deleted.parent ? byId.get(deleted.parent) : undefined; rec; rec = rec.parent ? byId.get(rec.parent) : undefined) {
    if (tagged(rec) || inUse(rec.id)) break;
    if (all.some((r) => r.parent === rec!.id && !gone.has(r.id))) break;
    chain.push(rec.id);
    gone.add(rec.id);
  }
  return chain;
}

/** The name of a layer chain's unpacked rootfs dir: the sha256 of its diff ids, lowest first (like a chain id). */
export function layerChainKey(layers: string[]): string {
  return createHash('sha256').update(layers.join('\n')).digest('hex');
}
