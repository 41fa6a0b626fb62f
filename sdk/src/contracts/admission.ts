/** Admission decides whether and where a request may proceed: pools, limits, tenants. Run in `order`. */
export interface CreateAdmission {
  /** Labels of the new container (read only). */
  labels: Record<string, string>;
  memoryBytes: number;
  /** What the container asks to mount: host paths for binds, names for volumes ('' for anonymous ones). */
  mounts: ReadonlyArray<{ type: 'bind' | 'volume' | 'tmpfs'; source: string; target: string }>;
  /** Admission may set these; the core fills what stays unset. */
  pool?: string;
  backend?: string;
  /**
   * The backend instances the pool may use, in config order. When set (and `backend` is not), the core asks
   * the scheduler named by `scheduler` (or the first registered one) to pick among them.
   */
  candidates?: string[];
  scheduler?: string;
  /** Set by the core from the Authorization header; empty when none. */
  bearerToken: string;
  /**
   * The create request's HostConfig as the client sent it (read only, `{}` when none), for policies on
   * what a container may ask of the host: `Privileged`, `NetworkMode`, `PidMode`, `IpcMode`, `UTSMode`,
   * `CapAdd`, `Devices`, `SecurityOpt`, ... under Docker's own field names. Binds and volumes are in
   * `mounts`, already parsed from `Binds`, `Mounts` and `VolumesFrom`.
   */
  hostConfig: Readonly<Record<string, unknown>>;
}

/** A named volume being created, explicitly or by a container that mounts a name not yet known. */
export interface VolumeAdmission {
  name: string;
  /** The new volume's labels: admission may add its own (a tenant marks the volume as its). */
  labels: Record<string, string>;
  bearerToken: string;
}

export interface StartAdmission {
  containerId: string;
  pool: string;
  backend: string;
}

export interface RequestAdmission {
  method: string;
  path: string;
  bearerToken: string;
}

export interface AdmissionController {
  name: string;
  /** Lower runs first. */
  order?: number;
  onRequest?(request: RequestAdmission): void | Promise<void>;
  /**
   * May refuse (throw) or reserve; a returned function is called once the create has finished, whether the
   * container was recorded or the create failed, so a reservation can turn into a counted container.
   */
  onCreate?(request: CreateAdmission): void | (() => void) | Promise<void | (() => void)>;
  /** May wait (queue) or throw TooManyRequests; the returned function releases what it took. */
  onStart?(request: StartAdmission): void | (() => void) | Promise<void | (() => void)>;
  /** Whether a container is visible to the caller (tenant scoping). */
  canSee?(request: RequestAdmission, containerLabels: Record<string, string>): boolean;
  /**
   * Called synchronously before a volume is created; may add labels or refuse (throw). A volume created
   * by a container's mount is asked about too, with the creating caller's token.
   */
  onVolumeCreate?(request: VolumeAdmission): void;
  /**
   * Whether a volume is visible to the caller: listed, inspected, mounted, removed, pruned. One it may
   * not see answers as a missing one (404 `no such volume`); its name stays taken (409 on create/mount).
   */
  canSeeVolume?(request: RequestAdmission, volumeLabels: Record<string, string>): boolean;
  /**
   * The tenant the caller acts for; undefined for the operator, who sees everything. The core keeps each
   * tenant's networks apart: a network a tenant creates carries TENANT_LABEL and exists only for that tenant
   * (and the operator), and the tenant's default `bridge` is a network of its own. The first controller that
   * answers a name decides.
   */
  tenantOf?(request: RequestAdmission): string | undefined;
}

/** The label on a network or named volume a tenant owns (see tenantOf, onVolumeCreate); its value is the tenant's name. */
export const TENANT_LABEL = 'com.sockerless.tenant';

export interface AdmissionRegistry {
  register(controller: AdmissionController): void;
}
