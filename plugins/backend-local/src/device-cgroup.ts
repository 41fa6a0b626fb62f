import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, promises as fs, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidArgumentError, type Logger, type WorkloadDevice } from '@sockerless/sdk';

/** The cgroup v1 devices hierarchy; absent on a cgroup v2-only host (see DeviceCgroups.available). */
export const DEVICES_HIERARCHY = '/sys/fs/cgroup/devices';

/**
 * runc's rules for a Docker container (moby's default spec plus runc's AllowedDevices): any device node may
 * be created (`m`), but only the default devices opened; the tun device as runc allows it.
 */
export const DEFAULT_DEVICE_RULES = [
  'c *:* m', 'b *:* m',
  'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', // null zero full random urandom
  'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', // tty console ptmx pts
  'c 10:200 rwm', // net/tun
];

/** A host device node as a cgroup rule, or Docker's error for a path that is not one. */
export function deviceRule(d: WorkloadDevice): string {
  let st;
  try {
    st = statSync(d.hostPath);
  } catch (err) {
    throw new InvalidArgumentError(`error gathering device information while adding custom device "${d.hostPath}": no such file or directory`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) {
    throw new InvalidArgumentError(`error gathering device information while adding custom device "${d.hostPath}": not a device node`);
  }
  const rdev = st.rdev;
  // glibc's gnu_dev_major/minor (device numbers below 2^32).
  const major = (rdev >>> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
  return `${st.isBlockDevice() ? 'b' : 'c'} ${major}:${minor} ${d.permissions}`;
}

/**
 * One devices cgroup per container under `sockerless/<hash of the daemon's home>/`, set up at create (deny
 * all, then allow Docker's list and the asked devices) and joined by the workload before it runs (confine's
 * --cgroup-fd), and by every exec. The container's own namespaces cannot change it: /sys is read-only there.
 */
export class DeviceCgroups {
  private readonly base: string;
  readonly available: boolean;

  constructor(private readonly logger: Logger, home: string, hierarchy = DEVICES_HIERARCHY) {
    this.base = join(hierarchy, 'sockerless', createHash('sha256').update(home).digest('hex').slice(0, 12));
    let ok = false;
    try { ok = statSync(join(hierarchy, 'devices.allow')).isFile(); } catch { /* no v1 devices controller */ }
    this.available = ok;
    if (!ok) logger.warn(`no cgroup v1 devices controller at ${hierarchy}: containers run WITHOUT a device cgroup`);
    else void this.pruneIdle().then(() => this.pruneEmptyHomes());
  }

  /**
   * At boot, in the background: removes this home's groups no process is in (a daemon stopped with running
   * containers leaves them). Only this home's: another daemon may be between making a group and filling it.
   * rmdir refuses a group that still has processes, and a created container whose group went gets a new one
   * at start (ensure).
   */
  private async pruneIdle(): Promise<void> {
    const groups = await fs.readdir(this.base, { withFileTypes: true }).catch(() => []);
    await Promise.all(groups.filter((d) => d.isDirectory()).map((g) => fs.rmdir(join(this.base, g.name)).catch(() => undefined)));
  }

  /** At boot: the empty home groups of other homes (a temporary home's, gone); rmdir leaves any with a child. */
  private async pruneEmptyHomes(): Promise<void> {
    const root = dirname(this.base);
    const homes = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
    for (const h of homes) {
      if (h.isDirectory() && join(root, h.name) !== this.base) await fs.rmdir(join(root, h.name)).catch(() => undefined);
    }
  }

  /** At close: this home's idle groups and, once empty, the home's own group (a temporary home leaves none). */
  async close(): Promise<void> {
    if (!this.available) return;
    await this.pruneIdle();
    await fs.rmdir(this.base).catch(() => undefined);
  }

  /** The ids of this home's groups (one per container that ever started since the last reboot). */
  groups(): string[] {
    if (!this.available) return [];
    try {
      return readdirSync(this.base, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** The pids in the container's group (none without the controller or the group). */
  processesOf(id: string): number[] {
    if (!this.available) return [];
    try {
      return readFileSync(join(this.dirOf(id), 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  dirOf(id: string): string {
    return join(this.base, id);
  }

  /**
   * Creates (or re-creates after a reboot) the container's cgroup with its rules; `rules` from deviceRule.
   * Synchronous: a cgroup file write is a few microseconds in memory, cheaper than a dozen trips through
   * libuv's thread pool on every create.
   */
  ensure(id: string, rules: string[], privileged: boolean): string | undefined {
    if (!this.available) return undefined;
    const dir = this.dirOf(id);
    const procs = join(dir, 'cgroup.procs');
    if (existsSync(procs)) return procs;
    mkdirSync(dir, { recursive: true });
    // Privileged: every device, as Docker's `a *:* rwm`; the cgroup still groups the container's processes.
    if (!privileged) {
      writeFileSync(join(dir, 'devices.deny'), 'a');
      for (const rule of [...DEFAULT_DEVICE_RULES, ...rules]) writeFileSync(join(dir, 'devices.allow'), rule);
    }
    return procs;
  }

  /** At remove; a cgroup with processes left cannot go and is retried at the next remove of the same id. */
  async remove(id: string): Promise<void> {
    if (!this.available) return;
    await fs.rmdir(this.dirOf(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.logger.warn('could not remove a device cgroup', { id, error: err.message });
    });
  }
}
