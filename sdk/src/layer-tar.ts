import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import type { IdOffset } from './archive';
import { packRegularFile } from './tar-file-entry';

/**
 * A whole directory tree as a tar whose entries are named relative to it (`bin/sh`, as `docker export`
 * writes them), and an overlay upper dir as an image layer: its whiteouts (character devices 0:0) become
 * OCI `.wh.<name>` entries and its opaque directories get a `.wh..wh..opq` entry, as dockerd's overlay2
 * driver writes a layer for `docker commit`.
 */
export interface PackTreeOptions {
  /** A remapped container's id offset: owners are written as the container sees them. */
  ids?: IdOffset;
  /** Container paths (`/etc/hosts`) to leave out. */
  skip?: (path: string) => boolean;
  /** Pack as an overlay upper dir: whiteouts and these opaque directories (container paths) become OCI markers. */
  overlay?: { opaque: Set<string> };
}

const toContainerId = (id: number, base: number) => (id >= base ? id - base : 65534);

export function packTree(root: string, opts: PackTreeOptions = {}): Readable {
  const pack = tarPack();
  const out = new PassThrough();
  pack.on('error', (err: Error) => out.destroy(err));
  pack.pipe(out);
  void (async () => {
    try {
      await addChildren(pack, root, '', new Map(), opts);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return out;
}

async function addChildren(pack: Pack, dir: string, rel: string, inodes: Map<string, string>, opts: PackTreeOptions): Promise<void> {
  // A running container may remove files while they are read: what is gone by then is left out.
  for (const child of (await fs.readdir(dir).catch(() => [] as string[])).sort()) {
    const name = rel ? `${rel}/${child}` : child;
    if (opts.skip?.(`/${name}`)) continue;
    await addEntry(pack, join(dir, child), name, inodes, opts);
  }
}

async function addEntry(pack: Pack, hostPath: string, name: string, inodes: Map<string, string>, opts: PackTreeOptions): Promise<void> {
  const st = await fs.lstat(hostPath).catch(() => undefined);
  if (!st) return;
  const uid = opts.ids ? toContainerId(st.uid, opts.ids.uid) : st.uid;
  const gid = opts.ids ? toContainerId(st.gid, opts.ids.gid) : st.gid;
  const base: Partial<Header> & { name: string } = { name, mode: st.mode & 0o7777, uid, gid, mtime: st.mtime };
  if (opts.overlay && st.isCharacterDevice() && st.rdev === 0) {
    const slash = name.lastIndexOf('/');
    await entry(pack, { ...base, name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, type: 'file', size: 0, mode: 0o600 });
  } else if (st.isSymbolicLink()) {
    await entry(pack, { ...base, type: 'symlink', linkname: await fs.readlink(hostPath) });
  } else if (st.isDirectory()) {
    await entry(pack, { ...base, type: 'directory' });
    if (opts.overlay?.opaque.has(`/${name}`)) await entry(pack, { ...base, name: `${name}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o600 });
    await addChildren(pack, hostPath, name, inodes, opts);
  } else if (st.isFile()) {
    await packRegularFile(pack, hostPath, st, base, inodes);
  } else if (st.isFIFO()) {
    await entry(pack, { ...base, type: 'fifo' });
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    // A device node in a container's filesystem (not a whiteout) is kept, as Docker's tar writer keeps it.
    await entry(pack, { ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: Math.floor(st.rdev / 256), devminor: st.rdev % 256 });
  }
  // Sockets are skipped, as Docker's archive does.
}

/** An entry without content; a file (a whiteout marker) gets its empty body, or tar-stream waits for one. */
function entry(pack: Pack, header: Partial<Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (header.type === 'file') pack.entry(header, Buffer.alloc(0), done);
    else pack.entry(header, done);
  });
}
