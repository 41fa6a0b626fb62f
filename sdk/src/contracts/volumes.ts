import type { AdmissionController, RequestAdmission } from './admission';
import type { StateStore } from './store';
import type { EventsBus } from '../services';
import type { DockerApiRoutes } from '../api/router';

/**
 * A volume driver, as Docker has them (`docker volume create --driver NAME`, its VolumeDriver plugin API):
 * it keeps a volume's data and says where on this host a container mounts it from. The volume store
 * (`VolumeStore` below) keeps everything else every driver shares: names, labels, the records in the store,
 * events, filters, which containers use a volume, tenant scoping, and its `/volumes` routes. The `volumes-local` plugin is the `local` driver.
 */
export interface VolumeDriver {
  /** The name in the API (`Driver`), `local` for Docker's default. */
  readonly name: string;
  /**
   * Checks a create's `DriverOpts` before anything is written, with Docker's wording: an option the
   * driver does not know is an InvalidArgumentError, one it knows but cannot honour a NotImplementedError.
   */
  checkOptions(name: string, options: Record<string, string>): void;
  /** Makes the volume's storage; also called at every boot for every volume, so it must be idempotent. */
  create(name: string, options: Record<string, string>): Promise<void>;
  /** The host path a container's mount of this volume binds (the volume's `Mountpoint`). */
  mountpoint(name: string): string;
  /** Drops the volume's data; a volume already gone is no error. */
  remove(name: string): Promise<void>;
  /** The bytes it holds (what a prune reports as reclaimed). */
  size(name: string): Promise<number>;
}

export interface VolumeDriverRegistry {
  /** One driver per name; a second plugin registering the same name fails the boot. */
  register(driver: VolumeDriver): void;
}

/** Docker's Volume JSON. */
export interface Volume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string>;
  Scope: 'local';
}

/** `POST /volumes/create`'s body, its shape already checked by the route. */
export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface VolumeListFilters {
  name?: string[]; driver?: string[]; label?: string[]; dangling?: string[];
}

/** A container's mount as Docker reports it (`Mounts[]` of inspect). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** A mount request before volumes are resolved to host paths. */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path for binds, volume name (empty for anonymous) for volumes. */
  source: string;
  target: string;
  readOnly: boolean;
  /** Binds from `-v` create a missing source dir; `--mount type=bind` refuses it, as Docker does. */
  createSource: boolean;
  mode: string;
  /** A bind's propagation (`rshared`, ...), kept and reported; dockerd's default is `rprivate`. */
  propagation?: string;
  /** `VolumeOptions.Subpath`: the directory of the volume that is mounted, relative to its root. */
  subpath?: string;
}


/** A volume in `system df`: `Size` in bytes, dockerd's -1 where it cannot be known (its driver is gone). */
export interface VolumeUsage extends Volume {
  UsageData: { Size: number; RefCount: number };
}

/** A container as the volume store sees it: which volumes it mounts. */
export interface VolumeUser {
  id: string;
  mounts: readonly { Type: string; Name?: string }[];
}

/**
 * Docker's volumes apart from where their data lives (dockerd's volume/service and its VolumeStore): the
 * records, names, labels, events, filters, which containers use a volume and tenant scoping, with the
 * `/volumes` routes (`registerRoutes`). The core calls only this; one plugin provides it through `coreVolumesExtensionPoint` (the
 * default is `volumes`), the data itself being the drivers' (`coreVolumeDriversExtensionPoint`).
 */
export interface VolumeStore extends DockerApiRoutes {
  /** Boot: loads the records and gives every volume whose storage went missing an empty one back. */
  load(): Promise<void>;
  create(body?: VolumeCreateBody): Promise<Volume>;
  inspect(name: string): Volume;
  list(filters?: VolumeListFilters): { Volumes: Volume[]; Warnings: string[] };
  /** `force` only forgives a missing volume, as in Docker; a volume in use is never removed. */
  remove(name: string, force?: boolean): Promise<void>;
  prune(filters?: { all?: boolean; label?: string[]; notLabel?: string[] }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
  /**
   * A create's mount requests, checked as dockerd checks them before anything is made: `Binds`, `Mounts`,
   * `Tmpfs`, the mounts `VolumesFrom` copies (`mountsOf` answers a container's, or throws its 404) and the
   * config's `Volumes`, which become anonymous volumes where no other mount covers them.
   */
  mountRequests(hostConfig: Record<string, unknown>, volumes: Record<string, object> | null, mountsOf: (container: string) => MountPoint[]): MountRequest[];
  /** The mount points a container records: its volumes, made on first use, and its binds' sources. */
  mountPoints(requests: MountRequest[]): Promise<MountPoint[]>;
  /** `docker rm -v`: the container's anonymous volumes go with it (named ones stay; one still in use stays). */
  removeAnonymous(mounts: readonly MountPoint[]): Promise<void>;
  /** Ids of the containers (any state) that mount the volume. */
  usedBy(name: string): string[];
  /** `GET /system/df`'s volumes: those the caller may see, each with its size (its driver's) and reference count. */
  usage(): Promise<VolumeUsage[]>;
  /** Whether `caller` may see the volume of that name (its events); false when there is none, or no more. */
  visibleTo(caller: RequestAdmission | undefined, name: string): boolean;
}

/** What the core hands the volume store when it creates it, once the state store and the drivers are there. */
export interface VolumeStoreContext {
  /** The durable state; the store keeps its records under kind `volume`. */
  store: StateStore;
  events: EventsBus;
  /** The registered volume drivers by name (`local` is Docker's default). */
  drivers: ReadonlyMap<string, VolumeDriver>;
  /** The admission controllers, whose `canSeeVolume` and `onVolumeCreate` scope volumes to tenants. */
  admission: readonly AdmissionController[];
  /** Who is calling, for the request being served; undefined outside requests (boot, timers). */
  caller(): RequestAdmission | undefined;
  containers: { all(): VolumeUser[] };
}

/** Cardinality one: the core creates the configured volume store once the state store is ready. */
export interface VolumeStoreRegistry {
  setVolumeStore(create: (ctx: VolumeStoreContext) => VolumeStore): void;
}
