import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Boot: removes every dir under `root` (`images/rootfs`) that is no live layer chain's (`live`, by
 * layerChainKey): an image deleted before a crash, a half-written unpack, a `.tmp-` dir of a delete cut off.
 */
export async function dropUnusedRootfsDirs(root: string, live: ReadonlySet<string>): Promise<void> {
  for (const name of readdirSync(root)) {
    if (!live.has(name)) await rm(join(root, name), { recursive: true, force: true });
  }
}

/** Deletes an unpacked rootfs dir, renamed first so a crash mid-delete leaves only a `.tmp-` dir that boot removes. */
export async function deleteRootfsDir(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const doomed = `${dir}.tmp-deleted-${randomBytes(4).toString('hex')}`;
  renameSync(dir, doomed);
  await rm(doomed, { recursive: true, force: true });
}
