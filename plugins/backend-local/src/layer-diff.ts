import { promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NotImplementedError, packTree, type FilesystemChange, type IdOffset, type WorkloadSpec } from '@sockerless/sdk';
import { copyDir, upperDir } from './rootfs';
import { exists, run } from './util';

/**
 * `docker diff`, `docker export` and `docker commit` from a container's overlay: the image's rootfs is the
 * lower dir, the container's writable layer the upper one, read as dockerd's overlay2 driver reads it
 * (moby pkg/archive changes.go): a character device 0:0 is a deleted file, a directory with the
 * `trusted.overlay.opaque` xattr hides everything below it in the image, anything else is added (not in
 * the image) or modified (in it), and the directories above a change count as modified.
 */
export interface ContainerLayer {
  /** The container's root as mounted (the overlay's merged dir, or its copy without overlay). */
  root: string;
  upper: string;
  lower?: string;
  id: string;
  ids?: IdOffset;
}

/**
 * What the daemon writes into every root before a start (rootfs.ts prepareRootfs): dockerd keeps these in
 * a layer of its own below the container's (or binds them), so they are no change of the container's.
 */
const DAEMON_FILES = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);
export const isDaemonFile = (path: string) => DAEMON_FILES.has(path);

export async function containerLayer(spec: WorkloadSpec, fs_: { root: string; ids?: IdOffset }): Promise<ContainerLayer> {
  if (fs_.root === '/') throw new NotImplementedError(`container ${spec.id} runs on the host's own filesystem (no sandbox): it has no layer of its own`);
  return { root: fs_.root, upper: upperDir(spec.stateDir), lower: spec.image.rootfs, id: spec.id, ids: fs_.ids };
}

async function overlayOnly(layer: ContainerLayer, what: string): Promise<void> {
  if (layer.root === copyDir(join(layer.upper, '..')) || !(await exists(layer.upper))) {
    throw new NotImplementedError(`${what} needs the container's overlay; container ${layer.id} runs on a copy of its image (overlay mounting was refused)`);
  }
}

/** The upper dir's opaque directories as container paths; getfattr (Debian `attr`) reads trusted.* xattrs. */
async function opaqueDirs(upper: string): Promise<Set<string>> {
  const out = await run('getfattr', ['--absolute-names', '-R', '-h', '-m', '^trusted\\.overlay\\.opaque$', '-d', upper]).catch((err: Error) => {
    throw new NotImplementedError(`cannot read the container's opaque directories: ${err.message}`);
  });
  const opaque = new Set<string>();
  let file = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) file = line.slice(8).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    else if (line === 'trusted.overlay.opaque="y"' && file.startsWith(upper)) opaque.add(file.slice(upper.length) || '/');
  }
  return opaque;
}

export async function layerChanges(layer: ContainerLayer): Promise<FilesystemChange[]> {
  await overlayOnly(layer, 'docker diff');
  const opaque = await opaqueDirs(layer.upper);
  const changes = new Map<string, FilesystemChange['Kind']>();
  const inLower = async (path: string) => layer.lower !== undefined && (await exists(join(layer.lower, path)));
  const walk = async (dir: string, rel: string): Promise<void> => {
    // A running container may remove what is being read: what is gone by then is no longer a change.
    for (const name of (await fs.readdir(dir).catch(() => [] as string[])).sort()) {
      const path = `${rel}/${name}`;
      if (isDaemonFile(path)) continue;
      const st = await fs.lstat(join(dir, name)).catch(() => undefined);
      if (!st) continue;
      if (st.isCharacterDevice() && st.rdev === 0) { changes.set(path, 2); continue; }
      const existed = await inLower(path);
      if (!existed) changes.set(path, 1);
      // A directory that was in the image counts only through what changed below it (or its opacity).
      else if (!st.isDirectory() || (await metadataChanged(st, join(layer.lower!, path)))) changes.set(path, 0);
      if (!st.isDirectory()) continue;
      if (existed && opaque.has(path)) {
        // Everything the image had below it is gone, unless the container made it again.
        for (const hidden of await fs.readdir(join(layer.lower!, path)).catch(() => [] as string[])) {
          if (!(await exists(join(dir, name, hidden)))) changes.set(`${path}/${hidden}`, 2);
        }
      }
      await walk(join(dir, name), path);
    }
  };
  await walk(layer.upper, '');
  // moby (#13590): the directories above a change are changed too, even with the same mtime and size.
  for (const path of [...changes.keys()]) {
    for (let parent = path.slice(0, path.lastIndexOf('/')); parent; parent = parent.slice(0, parent.lastIndexOf('/'))) {
      if (!changes.has(parent)) changes.set(parent, 0);
    }
  }
  return [...changes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([Path, Kind]) => ({ Path, Kind }));
}

async function metadataChanged(upper: Stats, lowerPath: string): Promise<boolean> {
  const lower = await fs.lstat(lowerPath).catch(() => undefined);
  return !lower || !lower.isDirectory() || lower.mode !== upper.mode || lower.uid !== upper.uid || lower.gid !== upper.gid;
}

/** `docker export`: the container's root (the image under its writable layer), without its mounts. */
export function exportTree(layer: ContainerLayer): Readable {
  return packTree(layer.root, { ids: layer.ids });
}

/** `docker commit`'s new layer: the upper dir with OCI whiteouts, the daemon's own files left out. */
export async function layerTar(layer: ContainerLayer): Promise<Readable> {
  await overlayOnly(layer, 'docker commit');
  return packTree(layer.upper, { ids: layer.ids, skip: isDaemonFile, overlay: { opaque: await opaqueDirs(layer.upper) } });
}
