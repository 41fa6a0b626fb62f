import { randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, createReadStream, existsSync, fchownSync, lchownSync, linkSync, lstatSync, lutimesSync,
  mkdirSync, openSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeSync, type Stats,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { asTarInputError } from '../archive';
import { InvalidArgumentError } from '../errors';

/**
 * Applies layer tars to a root filesystem directory the way Docker's vfs/overlay apply does: OCI whiteouts
 * (`.wh.name` deletes `name`, `.wh..wh..opq` empties a directory of what lower layers put there), modes,
 * ownership, symlinks and hardlinks. Nothing is ever written outside the root: entry names that climb out
 * are refused, and parent directories are resolved *inside* the root (a symlink `lib -> /usr/lib` leads to
 * `<root>/usr/lib`, never the host's), as Docker's chrooted unpack does.
 */

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const MAX_SYMLINK_HOPS = 255;
const RUNNING_AS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Unpacks `layerPaths` (uncompressed tars, lowest first) into `target`, via a temp sibling that is renamed
 * into place at the end, so `target` either does not exist or is complete.
 */
export async function unpackLayersAtomically(layerPaths: string[], target: string): Promise<void> {
  const tmp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  mkdirSync(tmp, { recursive: true, mode: 0o755 });
  try {
    for (const layer of layerPaths) await applyLayer(createReadStream(layer), tmp);
    if (existsSync(target)) {
      // Someone else finished the same image first; theirs is as good as ours.
      await rm(tmp, { recursive: true, force: true });
      return;
    }
    renameSync(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Applies one uncompressed layer tar to `root`. */
export async function applyLayer(source: Readable, root: string): Promise<void> {
  const extract = tar.extract();
  source.on('error', (err: Error) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const applier = new LayerApplier(root);
  try {
    for await (const entry of extract) await applier.apply(entry.header, entry as AsyncIterable<Buffer>);
  } catch (err) {
    throw asTarInputError(err);
  } finally {
    source.destroy();
  }
}

/** Normalises an archive path to a root-relative posix path; `''` is the root. Refuses escapes. */
export function safeRelativePath(name: string): string {
  // Like Docker (filepath.Join(dest, name)), a leading `/` means the root, while `..` past the root is refused.
  const normalized = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../')) {
    throw new InvalidArgumentError(`refusing archive entry ${JSON.stringify(name)}: it points outside the root filesystem`);
  }
  return normalized === '.' ? '' : normalized;
}

/**
 * `rel` resolved inside `root` as if `root` were `/` (moby's FollowSymlinkInScope): `..` stops at the root
 * and an absolute symlink starts again from it, so links that point at `/etc` never reach the host's.
 * A missing component is undefined unless `missing` makes it (and answers true); a file where a directory
 * is needed (anywhere with `directoriesOnly`, else before the last component) is undefined, or what
 * `notDirectory` throws.
 */
export function resolveInRoot(
  root: string, rel: string, opts: { directoriesOnly?: boolean; missing?: (abs: string) => boolean; notDirectory?: (path: string) => void } = {},
): string | undefined {
  const resolved: string[] = [];
  const pending = rel === '' ? [] : rel.split('/');
  let hops = 0;
  while (pending.length) {
    const comp = pending.shift()!;
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      resolved.pop();
      continue;
    }
    const abs = join(root, ...resolved, comp);
    const st = lstatOrUndefined(abs);
    if (!st) {
      if (!opts.missing?.(abs)) return undefined;
      resolved.push(comp);
    } else if (st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINK_HOPS) throw new InvalidArgumentError(`too many levels of symbolic links under ${rel}`);
      const target = readlinkSync(abs);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/'));
    } else if (st.isDirectory() || (!opts.directoriesOnly && pending.every((c) => c === '' || c === '.'))) {
      resolved.push(comp);
    } else {
      opts.notDirectory?.(join(...resolved, comp));
      return undefined;
    }
  }
  return join(root, ...resolved);
}

class LayerApplier {
  /** Absolute paths this layer created or wrote, and their ancestors: what an opaque marker must keep. */
  private readonly touched = new Set<string>();

  constructor(private readonly root: string) {}

  async apply(h: tar.Header, data: AsyncIterable<Buffer>): Promise<void> {
    const rel = safeRelativePath(h.name);
    if (rel === '') {
      if (h.type === 'directory') this.setMetadata(this.root, h);
      return drain(data);
    }
    const base = posix.basename(rel);
    const parent = this.resolveInsideRoot(posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
    if (base === OPAQUE_MARKER) {
      this.clearOpaque(parent);
      return drain(data);
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const hidden = base.slice(WHITEOUT_PREFIX.length);
      // `.wh..` / `.wh...` would name the parent or grandparent (even the rootfs's own parent dir).
      if (hidden === '' || hidden === '.' || hidden === '..') {
        throw new InvalidArgumentError(`refusing archive entry ${JSON.stringify(h.name)}: invalid whiteout`);
      }
      rmSync(join(parent, hidden), { recursive: true, force: true });
      return drain(data);
    }
    const abs = join(parent, base);
    const existing = lstatOrUndefined(abs);
    // Docker replaces whatever was there, except that a directory over a directory merges.
    if (existing && !(existing.isDirectory() && h.type === 'directory')) rmSync(abs, { recursive: true, force: true });

    switch (h.type) {
      case 'directory':
        if (!existing?.isDirectory()) mkdirSync(abs, { mode: 0o755 });
        break;
      case 'file':
      case 'contiguous-file':
        await writeFileFrom(abs, data, h);
        break;
      case 'symlink':
        symlinkSync(h.linkname ?? '', abs);
        break;
      case 'link':
        linkSync(this.hardlinkTarget(h.linkname ?? ''), abs);
        break;
      default:
        // Device nodes and FIFOs need mknod, which Node has no call for; image layers rarely carry them.
        return drain(data);
    }
    this.markTouched(abs);
    // A hardlink shares its target's inode, whose owner and mode were set with the target.
    if (h.type !== 'link') this.setMetadata(abs, h);
    return drain(data);
  }

  /** A hardlink's target is another archive path; it must already exist inside the root. */
  private hardlinkTarget(linkname: string): string {
    const rel = safeRelativePath(linkname);
    if (rel === '') throw new InvalidArgumentError(`refusing hardlink to the root directory`);
    const target = join(this.resolveInsideRoot(posix.dirname(rel) === '.' ? '' : posix.dirname(rel)), posix.basename(rel));
    if (!lstatOrUndefined(target)) throw new InvalidArgumentError(`invalid hardlink target ${JSON.stringify(linkname)}: no such file in the layer`);
    return target;
  }

  /**
   * The absolute directory for a root-relative path, following symlinks as if the root were `/` and
   * creating missing directories (a layer may carry `a/b/c` without `a/b`).
   */
  private resolveInsideRoot(rel: string): string {
    return resolveInRoot(this.root, rel, {
      directoriesOnly: true,
      missing: (abs) => {
        mkdirSync(abs, { mode: 0o755 });
        this.markTouched(abs);
        return true;
      },
      notDirectory: (path) => { throw new InvalidArgumentError(`cannot unpack layer: ${path} is not a directory`); },
    }) as string;
  }

  private markTouched(abs: string): void {
    for (let p = abs; p.length > this.root.length && !this.touched.has(p); p = dirname(p)) this.touched.add(p);
  }

  /** Removes what lower layers put in `dir`, keeping what this layer already wrote there. */
  private clearOpaque(dir: string): void {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      if (!this.touched.has(abs)) rmSync(abs, { recursive: true, force: true });
      else if (lstatSync(abs).isDirectory()) this.clearOpaque(abs);
    }
  }

  private setMetadata(abs: string, h: tar.Header): void {
    if (RUNNING_AS_ROOT) lchownSync(abs, h.uid ?? 0, h.gid ?? 0);
    if (h.type === 'symlink') {
      if (h.mtime) lutimesSync(abs, h.mtime, h.mtime);
      return;
    }
    // chmod after chown: chown clears setuid/setgid bits.
    chmodSync(abs, (h.mode ?? 0o644) & 0o7777);
    if (h.mtime && h.type !== 'directory') lutimesSync(abs, h.mtime, h.mtime);
  }
}

async function writeFileFrom(abs: string, data: AsyncIterable<Buffer>, h: tar.Header): Promise<void> {
  const fd = openSync(abs, 'wx', 0o600);
  try {
    for await (const chunk of data) writeSync(fd, chunk);
    if (RUNNING_AS_ROOT) fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
  } finally {
    closeSync(fd);
  }
}

async function drain(data: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of data) { /* consume the entry so the extractor moves on */ }
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}
