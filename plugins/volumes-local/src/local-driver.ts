import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { directorySize, InvalidArgumentError, NotImplementedError, type VolumeDriver } from '@sockerless/sdk';

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

  /** dockerd's directory.Size of the volume's dir: a hard-linked file counted once. */
  size(name: string): Promise<number> {
    return directorySize(join(this.home, 'volumes', name));
  }
}
