import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import { dirname, join, normalize, posix, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import { extract as tarExtract, pack as tarPack, type Header as Headers, type Pack } from 'tar-stream';

type EntryStream = { resume(): void } & AsyncIterable<unknown>;
import { InvalidArgumentError, NotFoundError, SockerlessError } from './errors';
import type { PathStat } from './contracts/backend';
import { packRegularFile } from './tar-file-entry';

/**
 * Tar helpers every backend with a filesystem reuses for `docker cp`. The core owns the Docker side (the
 * stat header, status codes); these only move files between a host directory tree and tar streams, and
 * never let a path or a symlink inside a container root reach outside it.
 */

const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_STICKY = 2 ** 20;

/** Go's os.FileMode bits, as Docker encodes them in X-Docker-Container-Path-Stat. */
export function goFileMode(st: Stats): number {
  let mode = st.mode & 0o777;
  if (st.mode & 0o4000) mode += MODE_SETUID;
  if (st.mode & 0o2000) mode += MODE_SETGID;
  if (st.mode & 0o1000) mode += MODE_STICKY;
  if (st.isDirectory()) mode += MODE_DIR;
  if (st.isSymbolicLink()) mode += MODE_SYMLINK;
  return mode;
}

/**
 * The host path of `containerPath` under `root`, resolving symlinks as the container would see them (an
 * absolute link target is relative to the root). The last component is not followed, so a link itself
 * can be read or replaced. Never returns a path outside `root`.
 */
export async function resolveInRoot(root: string, containerPath: string, followLast = false): Promise<string> {
  const parts = posix.normalize(`/${containerPath}`).split('/').filter(Boolean);
  let current: string[] = [];
  let hops = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') { current.pop(); continue; }
    if (part === '.') continue;
    const candidate = join(root, ...current, part);
    const isLast = parts.length === 0;
    let st: Stats | undefined;
    try { st = await fs.lstat(candidate); } catch { st = undefined; }
    if (st?.isSymbolicLink() && (!isLast || followLast)) {
      if (++hops > 40) throw new InvalidArgumentError(`too many levels of symbolic links: ${containerPath}`);
      const target = await fs.readlink(candidate);
      if (target.startsWith('/')) current = [];
      parts.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    current.push(part);
  }
  return join(root, ...current);
}

/** Stats a host path into Docker's shape; an error with code ENOENT when it is missing. */
export async function statHostPath(hostPath: string, name: string): Promise<PathStat> {
  const st = await fs.lstat(hostPath);
  return {
    name,
    size: st.size,
    mode: goFileMode(st),
    mtime: st.mtime.toISOString(),
    linkTarget: st.isSymbolicLink() ? await fs.readlink(hostPath) : '',
  };
}

/**
 * How a remapped container's ids lie on the host (a user-namespace remapping): container id N is host id
 * N + uid (or gid). `docker cp` shifts owners by it both ways, as dockerd's archive code does with its
 * identity mapping.
 */
export interface IdOffset {
  uid: number;
  gid: number;
}

/** A host owner as the container sees it: unmapped ones are the kernel's overflow id, as inside. */
const toContainerId = (id: number, base: number) => (id >= base ? id - base : 65534);

/** A tar of a file or a directory tree, its top entry named `topName`, symlinks kept as links. */
export function packPath(hostPath: string, topName: string, ids?: IdOffset): Readable {
  const pack = tarPack();
  void (async () => {
    try {
      await addEntry(pack, hostPath, topName, new Map(), ids);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  // tar-stream produces a streamx stream; Docker API code (koa, pipes) expects a Node stream.
  const out = new PassThrough();
  pack.on('error', (err: Error) => out.destroy(err));
  pack.pipe(out);
  return out;
}

async function addEntry(pack: Pack, hostPath: string, name: string, inodes: Map<string, string>, ids?: IdOffset): Promise<void> {
  const st = await fs.lstat(hostPath);
  const uid = ids ? toContainerId(st.uid, ids.uid) : st.uid;
  const gid = ids ? toContainerId(st.gid, ids.gid) : st.gid;
  const base: Partial<Headers> & { name: string } = { name, mode: st.mode & 0o7777, uid, gid, mtime: st.mtime };
  if (st.isSymbolicLink()) {
    await entry(pack, { ...base, type: 'symlink', linkname: await fs.readlink(hostPath) });
  } else if (st.isDirectory()) {
    await entry(pack, { ...base, type: 'directory' });
    for (const child of (await fs.readdir(hostPath)).sort()) await addEntry(pack, join(hostPath, child), `${name}/${child}`, inodes, ids);
  } else if (st.isFile()) {
    await packRegularFile(pack, hostPath, st, base, inodes);
  }
  // Sockets, fifos and devices are skipped, as a copy of them is meaningless.
}

function entry(pack: Pack, header: Partial<Headers> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
}

function safeRelative(name: string): string {
  const clean = normalize(name).replace(/^(\.\/)+/, '');
  if (clean === '.' || clean === '') return '';
  if (clean.startsWith('/') || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new InvalidArgumentError(`invalid tar entry ${name}: outside the extraction point`);
  }
  return clean;
}

/**
 * Extracts `tar` into `destDir`. Entries resolve through `resolve` (default: symlink-safe in destDir), so a
 * link planted by one entry cannot redirect a later one outside. With `noOverwriteDirNonDir`, replacing a
 * directory by a non-directory or the reverse is refused, as Docker does.
 */
export async function extractTar(tar: Readable, destDir: string, opts: { noOverwriteDirNonDir?: boolean; resolve?: (entryPath: string) => Promise<string>; ids?: IdOffset } = {}): Promise<void> {
  const resolveEntry = opts.resolve ?? ((p: string) => resolveInRoot(destDir, p));
  const ex = tarExtract();
  // Feed by hand rather than pipe(): a Node pipe into a streamx writable re-emits a destroy error where
  // nobody listens, which would crash the daemon on a hostile tar.
  // A client that goes away mid-body rejects the read of `tar`: that is kept here (an unawaited rejection
  // would reach the process) and ends the parser, which then reports the archive as cut short. After a
  // failure the rest of the body is read and dropped rather than the request destroyed, so the client gets
  // its 400 on a connection that is still open (destroying an HTTP request resets its socket).
  let failed = false;
  let readError: unknown;
  const feeding = (async () => {
    try {
      for await (const chunk of tar) {
        if (failed) continue;
        if (!ex.write(chunk as Buffer)) await new Promise<void>((r) => { ex.once('drain', r); ex.once('close', r); });
      }
    } catch (err) {
      readError = err;
    }
    (ex as unknown as { end(): void }).end();
  })();
  try {
    for await (const entry of ex) {
      await handleEntry(entry.header, entry, resolveEntry, destDir, opts.noOverwriteDirNonDir ?? false, opts.ids);
      entry.resume();
    }
    await feeding;
    if (readError) throw readError;
  } catch (err) {
    failed = true;
    (ex as unknown as { destroy(): void }).destroy();
    await feeding;
    throw err === readError ? err : asTarInputError(err);
  }
}

/**
 * What a tar parser throws about its input (not a tar, cut short, a bad header) is the client's error, which
 * dockerd answers with 400. Typed errors and the file system's (they carry an errno `code`) pass unchanged.
 */
export function asTarInputError(err: unknown): unknown {
  if (err instanceof SockerlessError || typeof (err as { code?: unknown })?.code === 'string') return err;
  return new InvalidArgumentError(`invalid tar archive: ${(err as Error)?.message ?? String(err)}`);
}

async function handleEntry(header: Headers, stream: EntryStream, resolveEntry: (p: string) => Promise<string>, destDir: string, noOverwrite: boolean, ids?: IdOffset): Promise<void> {
  const rel = safeRelative(header.name);
  if (!rel) { stream.resume(); return; }
  const target = await resolveEntry(rel);
  const existing = await fs.lstat(target).catch(() => undefined);
  const isDir = header.type === 'directory';
  if (noOverwrite && existing && existing.isDirectory() !== isDir) {
    throw new InvalidArgumentError(`cannot overwrite ${existing.isDirectory() ? 'directory' : 'non-directory'} "/${rel}" with ${isDir ? 'directory' : 'non-directory'} "/${rel}"`);
  }
  await fs.mkdir(dirname(target), { recursive: true });
  const mode = header.mode ?? (isDir ? 0o755 : 0o644);
  if (isDir) {
    if (existing && !existing.isDirectory()) await fs.rm(target, { force: true });
    await fs.mkdir(target, { recursive: true });
    await fs.chmod(target, mode);
  } else {
    if (existing) await fs.rm(target, { recursive: true, force: true });
    if (header.type === 'symlink') {
      // symlink(2) refuses an empty target (ENOENT); Go's archive/tar extraction in dockerd does too.
      if (!header.linkname) throw new InvalidArgumentError(`invalid tar entry ${header.name}: a symlink without a target`);
      await fs.symlink(header.linkname, target);
    } else if (header.type === 'link') {
      const source = await resolveEntry(safeRelative(header.linkname ?? ''));
      // link(2) refuses a directory (EPERM) and a missing source (ENOENT): both are the archive's fault.
      const sourceStat = await fs.lstat(source).catch(() => undefined);
      if (!sourceStat || sourceStat.isDirectory()) throw new InvalidArgumentError(`invalid tar entry ${header.name}: hard link to ${sourceStat ? 'a directory' : 'a missing file'} ${header.linkname}`);
      await fs.link(source, target);
    } else if (header.type === 'file' || header.type === 'contiguous-file') {
      // O_EXCL|O_NOFOLLOW: if the workload (or another copy) put a link at `target` since it was removed above,
      // the open fails instead of writing through the link to a host path (the race of CVE-2018-15664).
      const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
      const file = await fs.open(target, flags, mode);
      await pipeline(stream as AsyncIterable<Buffer>, file.createWriteStream());
      await fs.chmod(target, mode);
    } else {
      stream.resume();
      return;
    }
  }
  stream.resume();
  if (header.type !== 'symlink' && header.uid !== undefined && header.gid !== undefined && process.getuid?.() === 0) {
    await fs.lchown(target, header.uid + (ids?.uid ?? 0), header.gid + (ids?.gid ?? 0)).catch(() => undefined);
  }
  if (header.mtime && header.type !== 'symlink') await fs.utimes(target, header.mtime, header.mtime).catch(() => undefined);
}

/**
 * A container's filesystem as `docker cp` reaches it: where a container path lies on the host (a backend's
 * root plus its mounts, or `/` itself for the workload agent) and the container's name for Docker's messages.
 */
export interface ContainerFiles {
  name: string;
  /** The host path of a container path, resolved as `resolveInRoot` does. */
  hostPath(containerPath: string, followLast: boolean): Promise<string>;
  /** Set for a remapped container: owners are shifted by it both ways. */
  ids?: IdOffset;
}

function notFoundIn(files: ContainerFiles, path: string): NotFoundError {
  return new NotFoundError(`Could not find the file ${path} in container ${files.name}`);
}

/** The host path of `path` (last link not followed) and its stat as Docker names it; NotFound when missing. */
async function locate(files: ContainerFiles, path: string): Promise<{ host: string; stat: PathStat }> {
  const host = await files.hostPath(path, false);
  try {
    // `dir/.` means "the contents of dir": Docker names it `.`, so `docker cp c:/dir/. out/` lands in out/ itself.
    const name = path === '.' || path.endsWith('/.') ? '.' : posix.basename(posix.normalize(`/${path}`)) || '/';
    return { host, stat: await statHostPath(host, name) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFoundIn(files, path);
    throw err;
  }
}

export async function statContainerPath(files: ContainerFiles, path: string): Promise<PathStat> {
  return (await locate(files, path)).stat;
}

export async function getContainerArchive(files: ContainerFiles, path: string): Promise<{ stat: PathStat; tar: Readable }> {
  const { host, stat } = await locate(files, path);
  return { stat, tar: packPath(host, stat.name, files.ids) };
}

export async function putContainerArchive(files: ContainerFiles, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
  const dest = posix.normalize(`/${path}`);
  // The extraction point itself may be a link to a directory, as in Docker.
  const host = await files.hostPath(dest, true);
  const st = await fs.stat(host).catch(() => undefined);
  if (!st) { tar.resume(); throw notFoundIn(files, path); }
  if (!st.isDirectory()) { tar.resume(); throw new InvalidArgumentError('extraction point is not a directory'); }
  await extractTar(tar, host, {
    noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
    ids: files.ids,
    // Each entry resolves as a container path, so one that lands in a mount target goes to its source.
    resolve: (entry) => files.hostPath(posix.join(dest, entry), false),
  });
}
