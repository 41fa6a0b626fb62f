import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import {
  InvalidArgumentError, NotFoundError, extractTar, packPath, resolveInRoot, statHostPath, type PathStat, type WorkloadMount,
} from '@sockerless/sdk';

/** The container's filesystem as the host sees it: its root plus the bind/volume mounts over it. */
export interface ContainerFs {
  root: string;
  mounts: WorkloadMount[];
  /** For Docker's error messages. */
  name: string;
}

/**
 * Host path of a container path. A path inside a bind or volume target maps into that mount's source (the
 * deepest target wins, as the last mounted hides the others); anything else resolves in the root. Links
 * resolve as the container would see them and never lead outside the root or the mount source.
 */
export async function hostPathOf(cfs: ContainerFs, containerPath: string, followLast: boolean): Promise<string> {
  const p = posix.normalize(`/${containerPath}`);
  let best: WorkloadMount | undefined;
  let bestTarget = '';
  for (const m of cfs.mounts) {
    if (m.type === 'tmpfs') continue;
    const t = posix.normalize(`/${m.target}`).replace(/\/+$/, '') || '/';
    if ((p === t || p.startsWith(`${t}/`)) && t.length > bestTarget.length) { best = m; bestTarget = t; }
  }
  if (best) {
    const rest = p.slice(bestTarget.length);
    if (!rest || rest === '/') return best.source;
    return resolveInRoot(best.source, rest, followLast);
  }
  return resolveInRoot(cfs.root, p, followLast);
}

function notFound(cfs: ContainerFs, path: string): NotFoundError {
  return new NotFoundError(`Could not find the file ${path} in container ${cfs.name}`);
}

export async function statPath(cfs: ContainerFs, path: string): Promise<PathStat> {
  const host = await hostPathOf(cfs, path, false);
  try {
    // `dir/.` means "the contents of dir": Docker names it `.`, so `docker cp c:/dir/. out/` lands in out/ itself.
    const name = path === '.' || path.endsWith('/.') ? '.' : posix.basename(posix.normalize(`/${path}`)) || '/';
    return await statHostPath(host, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw notFound(cfs, path);
    throw err;
  }
}

export async function getArchive(cfs: ContainerFs, path: string): Promise<{ stat: PathStat; tar: Readable }> {
  const stat = await statPath(cfs, path);
  const host = await hostPathOf(cfs, path, false);
  return { stat, tar: packPath(host, stat.name) };
}

export async function putArchive(cfs: ContainerFs, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
  const dest = posix.normalize(`/${path}`);
  // The extraction point itself may be a link to a directory, as in Docker.
  const host = await hostPathOf(cfs, dest, true);
  const st = await fs.stat(host).catch(() => undefined);
  if (!st) { tar.resume(); throw notFound(cfs, path); }
  if (!st.isDirectory()) { tar.resume(); throw new InvalidArgumentError('extraction point is not a directory'); }
  await extractTar(tar, host, {
    noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
    // Each entry resolves as a container path, so one that lands in a mount target goes to its source.
    resolve: (entry) => hostPathOf(cfs, posix.join(dest, entry), false),
  });
}
