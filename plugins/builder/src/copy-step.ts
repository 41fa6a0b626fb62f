import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { InvalidArgumentError } from '@sockerless/sdk';
import { resolveInRoot } from '@sockerless/sdk/images';
import { patternRegExp } from './dockerignore';

/** One entry of a COPY/ADD layer: where it lands in the image, and where its bytes come from. */
export interface CopyEntry {
  /** Path in the image, without the leading `/`. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  mtime: Date;
  uid: number;
  gid: number;
  source?: string;
  linkname?: string;
}

export interface CopyPlan {
  entries: CopyEntry[];
  /** dockerd's `file:<hash>` / `dir:<hash>` / `multi:<hash>`, for the history line and the cache key. */
  contentId: string;
}

/**
 * What `COPY <src>... <dest>` (and ADD of local files) writes, as moby's copier resolves it: each source is a
 * path or a Go-filepath.Match glob relative to `root` (the context, or a stage's or image's rootfs for
 * `--from`); a directory copies its contents; a destination ending in `/` (or several sources) is a
 * directory; a relative destination is under WORKDIR. Owners are root, or `--chown`'s.
 */
export function planCopy(opts: { root: string; sources: string[]; dest: string; workdir: string; owner: { uid: number; gid: number }; mode?: number }): CopyPlan {
  const matched: string[] = [];
  for (const src of opts.sources) {
    const found = resolveSource(opts.root, src);
    if (found.length === 0) throw new InvalidArgumentError(`COPY failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
    matched.push(...found);
  }
  let dest = posix.isAbsolute(opts.dest) ? opts.dest : posix.join(opts.workdir || '/', opts.dest);
  const destIsDir = opts.dest.endsWith('/') || opts.dest.endsWith('/.') || matched.length > 1 || opts.sources.length > 1;
  if (matched.length > 1 && !opts.dest.endsWith('/')) throw new InvalidArgumentError('When using COPY with more than one source file, the destination must be a directory and end with a /');
  dest = posix.normalize(dest).replace(/^\/+/, '');
  const entries: CopyEntry[] = [];
  const entry = (name: string, abs: string, st: Stats): CopyEntry => ({
    name, type: st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file',
    mode: opts.mode ?? st.mode & 0o7777, mtime: st.mtime, uid: opts.owner.uid, gid: opts.owner.gid,
    ...(st.isSymbolicLink() ? { linkname: readlinkSync(abs) } : st.isFile() ? { source: abs } : {}),
  });
  const walk = (abs: string, name: string) => {
    for (const child of readdirSync(abs).sort()) {
      const childAbs = join(abs, child);
      const st = lstatSync(childAbs);
      const childName = name ? `${name}/${child}` : child;
      entries.push(entry(childName, childAbs, st));
      if (st.isDirectory()) walk(childAbs, childName);
    }
  };
  for (const abs of matched) {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      if (dest) entries.push({ ...entry(dest, abs, st), mode: 0o755, mtime: st.mtime });
      walk(abs, dest);
    } else {
      const name = destIsDir ? posix.join(dest, basename(abs)) : dest;
      if (!name) throw new InvalidArgumentError('cannot copy a file to the root directory itself');
      entries.push(entry(name, abs, st));
    }
  }
  const kind = matched.length > 1 ? 'multi' : lstatSync(matched[0]).isDirectory() ? 'dir' : 'file';
  return { entries, contentId: `${kind}:${contentHash(entries)}` };
}

/** A source path, or the paths its glob matches (sorted), inside `root`; never outside it. */
function resolveSource(root: string, src: string): string[] {
  const rel = posix.normalize(src.replace(/^\/+/, '') || '.');
  if (!/[*?[]/.test(rel)) {
    const abs = resolveInRoot(root, rel);
    return abs ? [abs] : [];
  }
  let current = [root];
  for (const part of rel.split('/')) {
    const next: string[] = [];
    const re = /[*?[]/.test(part) ? patternRegExp(part) : undefined;
    for (const dir of current) {
      if (!re) {
        const found = resolveInRoot(root, posix.join(relativeTo(root, dir), part));
        if (found) next.push(found);
        continue;
      }
      let names: string[] = [];
      try { names = readdirSync(dir); } catch { names = []; }
      for (const n of names.sort()) {
        const found = re.test(n) ? resolveInRoot(root, posix.join(relativeTo(root, dir), n)) : undefined;
        if (found) next.push(found);
      }
    }
    current = next;
  }
  return current;
}

const relativeTo = (root: string, abs: string) => abs.slice(root.length).replace(/^\/+/, '');

/** A hash of what the copy writes: names, types, modes, owners, link targets and file contents. */
function contentHash(entries: CopyEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) {
    h.update(`${e.name}\0${e.type}\0${e.mode}\0${e.uid}:${e.gid}\0${e.linkname ?? ''}\0`);
    if (e.source) h.update(readFileSync(e.source));
  }
  return h.digest('hex');
}

/** The layer tar of a copy plan, with the missing parent directories of its entries (root-owned, 0755). */
export function copyLayerTar(plan: CopyPlan, parentRootfs: string | undefined): Readable {
  const pack = tar.pack();
  const written = new Set<string>();
  const ensureParents = (name: string) => {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (written.has(dir) || (parentRootfs && resolveInRoot(parentRootfs, dir))) continue;
      written.add(dir);
      pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date() });
    }
  };
  (async () => {
    for (const e of plan.entries) {
      ensureParents(e.name);
      written.add(e.name);
      const header = { name: e.type === 'directory' ? `${e.name}/` : e.name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, linkname: e.linkname };
      if (e.type !== 'file') {
        pack.entry(header);
        continue;
      }
      const size = lstatSync(e.source!).size;
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ ...header, size }, (err) => (err ? reject(err) : resolve()));
        createReadStream(e.source!).on('error', reject).pipe(sink);
      });
    }
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return pack as unknown as Readable;
}

/** `--chown=user:group` as numbers: numeric ids as they are, names looked up in the target's /etc files. */
export function resolveOwner(chown: string | undefined, rootfs: string | undefined): { uid: number; gid: number } {
  if (!chown) return { uid: 0, gid: 0 };
  const [user, group] = chown.split(':');
  const lookup = (file: string, name: string): number => {
    if (/^\d+$/.test(name)) return Number(name);
    const found = rootfs ? resolveInRoot(rootfs, `etc/${file}`) : undefined;
    const text = found ? readFileSync(found, 'utf8') : '';
    const line = text.split('\n').find((l) => l.split(':')[0] === name);
    if (!line) throw new InvalidArgumentError(`unable to convert uid/gid chown string to host mapping: can't find ${file === 'passwd' ? 'uid' : 'gid'} for ${file === 'passwd' ? 'user' : 'group'} ${name}: no such ${file === 'passwd' ? 'user' : 'group'}`);
    return Number(line.split(':')[2]);
  };
  const uid = lookup('passwd', user);
  let gid = uid;
  if (group) gid = lookup('group', group);
  else if (!/^\d+$/.test(user) && rootfs) {
    const line = readFileSync(resolveInRoot(rootfs, 'etc/passwd')!, 'utf8').split('\n').find((l) => l.split(':')[0] === user);
    gid = Number(line?.split(':')[3] ?? uid);
  }
  return { uid, gid };
}
