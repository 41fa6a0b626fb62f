import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { extractTar, packPath, resolveInRoot, statHostPath } from '../archive';
import { InvalidArgumentError, NotFoundError } from '../errors';
import type { PathStat } from '../contracts/backend';

/**
 * `docker cp` inside the workload, as the agent sees its filesystem (root `/`, mounts included). Loaded only
 * when an archive is asked for, since it pulls in tar-stream.
 */

function notFound(path: string, containerId: string): NotFoundError {
  return new NotFoundError(`Could not find the file ${path} in container ${containerId}`);
}

export async function statPath(path: string, containerId: string): Promise<PathStat> {
  const host = await resolveInRoot('/', path, false);
  try {
    // `dir/.` means "the contents of dir": Docker names it `.`, so `docker cp c:/dir/. out/` lands in out/ itself.
    const name = path === '.' || path.endsWith('/.') ? '.' : posix.basename(posix.normalize(`/${path}`)) || '/';
    return await statHostPath(host, name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(path, containerId);
    throw err;
  }
}

export async function getArchive(path: string, containerId: string): Promise<{ stat: PathStat; tar: Readable }> {
  const stat = await statPath(path, containerId);
  const host = await resolveInRoot('/', path, false);
  return { stat, tar: packPath(host, stat.name) };
}

export async function putArchive(path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }, containerId: string): Promise<void> {
  const dest = posix.normalize(`/${path}`);
  // The extraction point itself may be a link to a directory, as in Docker.
  const host = await resolveInRoot('/', dest, true);
  const st = await fs.stat(host).catch(() => undefined);
  if (!st) { tar.resume(); throw notFound(path, containerId); }
  if (!st.isDirectory()) { tar.resume(); throw new InvalidArgumentError('extraction point is not a directory'); }
  await extractTar(tar, host, {
    noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
    resolve: (entry) => resolveInRoot('/', posix.join(dest, entry), false),
  });
}
