import { promises as fs } from 'node:fs';
import { InvalidArgumentError, resolveInRoot } from '@sockerless/sdk';

/**
 * The host directory of `Mounts[].VolumeOptions.Subpath`: resolved inside the volume as a container would
 * see it (a link in the volume never leads out of it), and it must exist, as dockerd requires at mount time.
 */
export async function volumeSubpath(volumeRoot: string, subpath: string): Promise<string> {
  const host = await resolveInRoot(volumeRoot, subpath, true);
  const st = await fs.stat(host).catch(() => undefined);
  if (!st) throw new InvalidArgumentError(`cannot access path ${subpath} in volume: no such file or directory`);
  return host;
}
