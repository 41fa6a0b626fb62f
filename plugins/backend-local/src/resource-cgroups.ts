import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NotImplementedError, type Logger, type WorkloadResources } from '@sockerless/sdk';
import { tick } from './util';

/** The cgroup v1 controllers a container gets a group in, besides devices (device-cgroup.ts). */
export const RESOURCE_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'freezer', 'blkio'] as const;
export type ResourceController = (typeof RESOURCE_CONTROLLERS)[number];

/** runc's CFS period for `--cpus` (NanoCpus): 100 ms. */
const CFS_PERIOD_US = 100_000;

/** Where each v1 controller is mounted (/proc/mounts); a co-mounted pair (`cpu,cpuacct`) shares one path. */
export function v1Mounts(mounts = '/proc/mounts'): Map<ResourceController, string> {
  const found = new Map<ResourceController, string>();
  let text = '';
  try { text = readFileSync(mounts, 'utf8'); } catch { return found; }
  for (const line of text.split('\n')) {
    const [, path, type, options] = line.split(' ');
    if (type !== 'cgroup' || !path || !options) continue;
    for (const o of options.split(',')) {
      if ((RESOURCE_CONTROLLERS as readonly string[]).includes(o)) found.set(o as ResourceController, path.replace(/\\040/g, ' '));
    }
  }
  return found;
}

/** A write that names what failed as runc does (`failed to write "X": write PATH: invalid argument`). */
function write(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EBUSY' ? 'device or resource busy' : e.code === 'EINVAL' ? 'invalid argument' : e.message;
    throw new Error(`failed to write "${value}": write ${path}: ${why}`);
  }
}

const readText = (path: string): string | undefined => { try { return readFileSync(path, 'utf8'); } catch { return undefined; } };

/**
 * One group per container in each cgroup v1 resource controller, `sockerless/<hash of home>/<id>` as the
 * device cgroup: made at start with the container's limits written (runc's fs driver: memory, memsw, soft
 * limit, shares, CFS quota, cpuset, pids.max, blkio.weight), joined by confine before the workload or an exec
 * runs (its cgroup.procs open on a descriptor, like the device cgroup's), frozen for `docker pause`, read for
 * `docker stats` and for an OOM kill. The monitor (shim) and bwrap stay out, as containerd-shim and runc do:
 * a paused container's monitor still answers a restarted daemon. A controller the host lacks (a cgroup
 * v2-only host has none of them) is skipped, and a limit that needs it is refused with a 501 at create.
 */
export class ResourceCgroups {
  /** Per controller, this home's directory in its hierarchy. */
  private readonly bases = new Map<ResourceController, string>();

  constructor(private readonly logger: Logger, home: string, mounts = v1Mounts()) {
    const hash = createHash('sha256').update(home).digest('hex').slice(0, 12);
    for (const [c, path] of mounts) this.bases.set(c, join(path, 'sockerless', hash));
    const missing = RESOURCE_CONTROLLERS.filter((c) => !this.bases.has(c));
    if (missing.length > 0) logger.warn(`no cgroup v1 ${missing.join(', ')} controller: limits that need it are refused, and pause/stats do without it`);
    void this.pruneIdle().then(() => this.pruneEmptyHomes());
  }

  /** At boot: the empty home groups of other homes (a temporary home's, gone); rmdir leaves any with a child. */
  private async pruneEmptyHomes(): Promise<void> {
    await Promise.all([...new Set(this.bases.values())].map(async (base) => {
      const root = dirname(base);
      const homes = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
      await Promise.all(homes.filter((h) => h.isDirectory() && join(root, h.name) !== base).map((h) => fs.rmdir(join(root, h.name)).catch(() => undefined)));
    }));
  }

  has(c: ResourceController): boolean {
    return this.bases.has(c);
  }

  dirOf(c: ResourceController, id: string): string {
    return join(this.bases.get(c)!, id);
  }

  /** Every present controller's group dir of the container, co-mounted ones once. */
  private dirs(id: string): string[] {
    return [...new Set([...this.bases.keys()].map((c) => this.dirOf(c, id)))];
  }

  /** The limits a host without the controller cannot enforce (dockerd's 'not supported' cases). */
  unsupported(r: WorkloadResources): string | undefined {
    if ((r.memoryBytes > 0 || r.memoryReservationBytes > 0) && !this.has('memory')) return 'Memory';
    if ((r.nanoCpus > 0 || r.cpuQuota > 0 || r.cpuPeriod > 0 || r.cpuShares > 0) && !this.has('cpu')) return 'NanoCpus/CpuShares';
    if ((r.cpusetCpus !== '' || r.cpusetMems !== '') && !this.has('cpuset')) return 'CpusetCpus';
    if (r.pidsLimit > 0 && !this.has('pids')) return 'PidsLimit';
    return undefined;
  }

  /**
   * At start: the container's groups, made afresh when the last run left them empty (so its OOM count,
   * peak usage and failcnt are this run's, as a new runc cgroup's are), with `r` written; at exec (`fresh`
   * false) the existing ones. Returns each distinct group's cgroup.procs path.
   */
  async ensure(id: string, r: WorkloadResources, fresh: boolean): Promise<string[]> {
    if (fresh) await Promise.all(this.dirs(id).map((d) => fs.rmdir(d).catch(() => undefined)));
    const made: string[] = [];
    for (const c of [...this.bases.keys()]) {
      const d = this.dirOf(c, id);
      if (existsSync(join(d, 'cgroup.procs'))) continue;
      try {
        mkdirSync(d, { recursive: true });
        made.push(d);
      } catch (err) {
        // A hierarchy this daemon may not write (mounted read-only in a container): done without, said once.
        this.bases.delete(c);
        this.logger.warn(`cannot make a group in the cgroup v1 ${c} controller: it is not used from now on`, { error: (err as Error).message });
      }
    }
    const unsupported = this.unsupported(r);
    if (unsupported) throw new NotImplementedError(`${unsupported} needs a cgroup v1 controller this host does not have mounted`);
    const dirs = this.dirs(id);
    if (this.has('cpuset')) this.inheritCpuset(this.dirOf('cpuset', id));
    if (made.length > 0 || fresh) this.apply(id, r);
    return dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** A new cpuset group starts with no CPUs and no memory nodes: its parents' are copied down, as runc does. */
  private inheritCpuset(dir: string): void {
    // sockerless/, sockerless/<hash>/, then the container's own.
    for (const d of [dirname(dirname(dir)), dirname(dir), dir]) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if ((readText(join(d, f)) ?? '').trim() === '') write(join(d, f), (readText(join(dirname(d), f)) ?? '').trim());
      }
    }
  }

  /** Writes the limits (create, start and `docker update`); 0 leaves the kernel's default (none). */
  apply(id: string, r: WorkloadResources): void {
    if (this.has('memory')) this.applyMemory(this.dirOf('memory', id), r);
    if (this.has('cpu')) {
      const dir = this.dirOf('cpu', id);
      if (r.cpuShares > 0) write(join(dir, 'cpu.shares'), String(r.cpuShares));
      const period = r.nanoCpus > 0 ? CFS_PERIOD_US : r.cpuPeriod;
      const quota = r.nanoCpus > 0 ? Math.round((r.nanoCpus * CFS_PERIOD_US) / 1e9) : r.cpuQuota;
      if (period > 0) write(join(dir, 'cpu.cfs_period_us'), String(period));
      if (quota !== 0) write(join(dir, 'cpu.cfs_quota_us'), String(quota));
    }
    if (this.has('cpuset')) {
      const dir = this.dirOf('cpuset', id);
      if (r.cpusetCpus) write(join(dir, 'cpuset.cpus'), r.cpusetCpus);
      if (r.cpusetMems) write(join(dir, 'cpuset.mems'), r.cpusetMems);
    }
    if (this.has('pids')) write(join(this.dirOf('pids', id), 'pids.max'), r.pidsLimit > 0 ? String(r.pidsLimit) : 'max');
    if (this.has('blkio') && r.blkioWeight > 0) {
      const file = join(this.dirOf('blkio', id), 'blkio.weight');
      if (existsSync(file)) write(file, String(r.blkioWeight));
      else this.logger.warn('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.', { id });
    }
  }

  /**
   * runc's setMemoryAndSwap: memsw must stay at or above the limit, so the order of the two writes depends on
   * whether the limit grows. Without swap accounting a swap limit is dropped, as dockerd does.
   */
  private applyMemory(dir: string, r: WorkloadResources): void {
    const memsw = join(dir, 'memory.memsw.limit_in_bytes');
    const limit = join(dir, 'memory.limit_in_bytes');
    if (r.memoryReservationBytes > 0) write(join(dir, 'memory.soft_limit_in_bytes'), String(r.memoryReservationBytes));
    if (r.memoryBytes === 0 && r.memorySwapBytes === 0) return;
    const swap = r.memorySwapBytes === -1 ? '-1' : r.memorySwapBytes > 0 ? String(r.memorySwapBytes) : undefined;
    const mem = r.memoryBytes > 0 ? String(r.memoryBytes) : undefined;
    if (!existsSync(memsw) || swap === undefined) {
      if (mem) write(limit, mem);
      return;
    }
    try {
      write(memsw, swap);
      if (mem) write(limit, mem);
    } catch {
      if (mem) write(limit, mem);
      write(memsw, swap);
    }
  }

  /** How many processes the kernel's OOM killer took in the container's memory group (this run's group). */
  oomKills(id: string): number {
    if (!this.has('memory')) return 0;
    const text = readText(join(this.dirOf('memory', id), 'memory.oom_control')) ?? '';
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  /**
   * `docker pause`: runc's freezer (v1) writes FROZEN and reads the state back until the kernel reports it
   * (FREEZING while a process is between forks), writing again, as a process may fork meanwhile.
   */
  async setFrozen(id: string, frozen: boolean): Promise<void> {
    if (!this.has('freezer')) throw new NotImplementedError('pause needs the cgroup v1 freezer, which this host does not have mounted');
    const file = join(this.dirOf('freezer', id), 'freezer.state');
    const want = frozen ? 'FROZEN' : 'THAWED';
    const deadline = Date.now() + 10_000;
    for (;;) {
      write(file, want);
      if ((readText(file) ?? '').trim() === want) return;
      if (Date.now() > deadline) throw new Error(`the container's processes did not become ${want.toLowerCase()} within 10s`);
      await tick(1);
    }
  }

  /** Thaws without waiting (a kill of a frozen group's processes takes effect only once it thaws). */
  thaw(id: string): void {
    if (this.has('freezer')) { try { writeFileSync(join(this.dirOf('freezer', id), 'freezer.state'), 'THAWED'); } catch { /* no group */ } }
  }

  isFrozen(id: string): boolean {
    const state = this.read('freezer', id, 'freezer.state')?.trim();
    return state === 'FROZEN' || state === 'FREEZING';
  }

  /**
   * At remove: every group, in parallel and not awaited by the caller (each rmdir waits for the kernel to
   * retire the group, a few ms); its processes are gone by then.
   */
  async remove(id: string): Promise<void> {
    await Promise.all(this.dirs(id).map((d) => fs.rmdir(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.logger.warn('could not remove a resource cgroup', { id, dir: d, error: err.message });
    })));
  }

  /** At boot and close: this home's groups no process is in (a daemon stopped with running containers leaves them). */
  async pruneIdle(): Promise<void> {
    await Promise.all([...new Set(this.bases.values())].map(async (base) => {
      const groups = await fs.readdir(base, { withFileTypes: true }).catch(() => []);
      await Promise.all(groups.filter((d) => d.isDirectory()).map((g) => fs.rmdir(join(base, g.name)).catch(() => undefined)));
    }));
  }

  async close(): Promise<void> {
    await this.pruneIdle();
    await Promise.all([...new Set(this.bases.values())].map((b) => fs.rmdir(b).catch(() => undefined)));
  }

  /** For stats: a file of the container's group in controller `c`, undefined when absent. */
  read(c: ResourceController, id: string, file: string): string | undefined {
    return this.has(c) ? readText(join(this.dirOf(c, id), file)) : undefined;
  }
}
