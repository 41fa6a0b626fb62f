import type { Readable } from 'node:stream';
import type { WorkloadResources, WorkloadStats } from './resources';
import type { BackendDriver, ExecSpec, FilesystemChange, HostEntry, PathStat, WorkloadEndpoint, WorkloadProcess } from './backend';

/**
 * A backend driver's optional powers: each is a sub-interface a driver implements whole or not at all,
 * detected once when the instance is created (`driverPowers`); the core's backend gateway answers Docker's
 * 501 for a power an instance lacks, in one place.
 */
/** `docker exec`, and health probes (without it no probe runs). */
export interface ExecPower {
  exec(id: string, spec: ExecSpec): Promise<WorkloadProcess>;
}

/** `docker cp` both ways. */
export interface ArchivePower {
  statPath(id: string, path: string): Promise<PathStat>;
  /** A tar stream of `path` with the basename as its top entry (as `docker cp` expects). */
  getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }>;
  putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void>;
}

/** `docker top`. */
export interface TopPower {
  top(id: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }>;
}

/** `docker ps --size`, `system df`: bytes written by the container on top of its image (Docker's SizeRw). */
export interface DiskUsagePower {
  diskUsage(id: string): Promise<number>;
}

/** What a container made of its filesystem: `docker diff`, `docker export`, `docker commit` (and RUN in a build). */
export interface LayerPower {
  /** What the container changed on top of its image (`docker diff`), Docker's kinds, parents before children. */
  changes(id: string): Promise<FilesystemChange[]>;
  /** The container's whole filesystem, mounts left out, as a tar (`docker export`). */
  exportFilesystem(id: string): Promise<Readable>;
  /** The container's writable layer as an image layer tar with OCI whiteouts (`docker commit`). */
  layerDiff(id: string): Promise<Readable>;
}

/** Live network changes of a running workload; without it a network change reaches it at its next start. */
export interface NetworkPower {
  /** Connects a running workload to one more bridge network (`docker network connect`). */
  connectNetwork(id: string, endpoint: WorkloadEndpoint): Promise<void>;
  /** Takes a running workload off a network. */
  disconnectNetwork(id: string, networkId: string): Promise<void>;
  /** Replaces the `/etc/hosts` lines of a running workload (a peer came, went or changed its names). */
  updateHosts(id: string, hosts: HostEntry[]): Promise<void>;
  /** The network was removed: free what the driver made for it (a bridge). Called on every instance. */
  removeNetwork(networkId: string): Promise<void>;
}

/**
 * `docker pause` / `unpause`: freezes every process of the running workload (the cgroup freezer) and
 * resolves once it is frozen (thawed).
 */
export interface PausePower {
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** Whether the workload is frozen now (a paused container found again at boot). */
  isPaused?(id: string): Promise<boolean>;
}

/**
 * `docker update`: new limits for a created or running workload, applied live; resolves to dockerd's
 * warnings. Throws a typed error for what it cannot apply.
 */
export interface ResourcePower {
  updateResources(id: string, resources: WorkloadResources): Promise<string[]>;
}

/**
 * Calls `onOom` each time the kernel's OOM killer kills a process of the running workload for its memory
 * limit (dockerd's `oom` event, also for a child the workload survives); returns how to stop watching.
 */
export interface OomPower {
  watchOom(id: string, onOom: () => void): () => void;
}

/** One usage sample of a running workload (`docker stats`); undefined when it does not run. */
export interface StatsPower {
  stats(id: string): Promise<WorkloadStats | undefined>;
}

/**
 * A workload the previous daemon started and that lives on without it (a cloud task): its process again,
 * with the output written from `logsSince` on and the exit when it ends (at once when it already ended).
 * Undefined when the backend no longer knows it. Without this power the core kills such a workload at boot.
 */
export interface ReattachPower {
  reattach(id: string, opts: { logsSince?: Date }): Promise<WorkloadProcess | undefined>;
}

/** The optional powers by name. */
export interface DriverPowers {
  exec: ExecPower;
  archive: ArchivePower;
  top: TopPower;
  diskUsage: DiskUsagePower;
  layer: LayerPower;
  network: NetworkPower;
  pause: PausePower;
  resources: ResourcePower;
  oom: OomPower;
  stats: StatsPower;
  reattach: ReattachPower;
}

/** The methods a driver must implement to have each power (optional ones such as `isPaused` left out). */
export const DRIVER_POWER_METHODS: { readonly [K in keyof DriverPowers]: ReadonlyArray<keyof DriverPowers[K] & string> } = {
  exec: ['exec'],
  archive: ['statPath', 'getArchive', 'putArchive'],
  top: ['top'],
  diskUsage: ['diskUsage'],
  layer: ['changes', 'exportFilesystem', 'layerDiff'],
  network: ['connectNetwork', 'disconnectNetwork', 'updateHosts', 'removeNetwork'],
  pause: ['pause', 'unpause'],
  resources: ['updateResources'],
  oom: ['watchOom'],
  stats: ['stats'],
  reattach: ['reattach'],
};

/** The powers `driver` has, each the driver itself seen through that power; detected once per instance. */
export function driverPowers(driver: BackendDriver): Partial<DriverPowers> {
  const has = (methods: readonly string[]) => methods.every((m) => typeof (driver as unknown as Record<string, unknown>)[m] === 'function');
  return Object.fromEntries(Object.entries(DRIVER_POWER_METHODS).filter(([, methods]) => has(methods)).map(([power]) => [power, driver])) as Partial<DriverPowers>;
}
