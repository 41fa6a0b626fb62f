import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, NotImplementedError, type VolumeDriver } from '@sockerless/sdk';

/** The options of dockerd's local driver; they ask for a mount (tmpfs, nfs, a device) we do not make. */
const LOCAL_OPTS = new Set(['type', 'device', 'o', 'size']);

/**
 * Docker's `local` driver without mount options: each volume is a plain directory at
 * `HOME/volumes/NAME/_data`, where dockerd keeps it under /var/lib/docker/volumes.
 */
export class LocalVolumeDriver implements VolumeDriver {
  readonly name = 'local';

  constructor(private readonly home: string) {}

  checkOptions(name: string, options: Record<string, string>): void {
    for (const key of Object.keys(options)) {
      if (!LOCAL_OPTS.has(key)) throw new InvalidArgumentError(`create ${name}: invalid option key: "${key}"`);
      throw new NotImplementedError(`create ${name}: local volume driver option "${key}" is not supported by Sockerless (volumes are plain directories)`);
    }
  }

  async create(name: string): Promise<void> {
    await mkdir(this.mountpoint(name), { recursive: true });
  }

  mountpoint(name: string): string {
    return join(this.home, 'volumes', name, '_data');
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.home, 'volumes', name), { recursive: true, force: true });
  }

  size(name: string): Promise<number> {
    return diskUsage(join(this.home, 'volumes', name));
  }
}

/** Bytes of regular files under `dir` (symlinks not followed), as `du --apparent-size` counts. */
async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await diskUsage(p);
    else total += await lstat(p).then((s) => s.size, () => 0);
  }
  return total;
}
