import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../services';
import type { WorkloadResources } from './resources';
import type { Tracer } from '../tracing';
import type { ArchivePower, DiskUsagePower, ExecPower, LayerPower, NetworkPower, OomPower, PausePower, ReattachPower, ResourcePower, StatsPower, TopPower } from './driver-powers';

/**
 * The backend driver contract. A driver owns only workloads (like a virtual-kubelet provider): it makes
 * something run somewhere, streams its I/O, reports its exit and lists what it manages. It never formats a
 * Docker response; the core owns Docker semantics (names, state machine, framing, events, errors).
 */

export interface WorkloadMount {
  /** `bind` and `volume` arrive already resolved to a host path in `source`. */
  type: 'bind' | 'volume' | 'tmpfs';
  source: string;
  target: string;
  readOnly: boolean;
}

/** One interface of a workload on a bridge network; the core allocated its address. */
export interface WorkloadEndpoint {
  networkId: string;
  networkName: string;
  /** An internal network has no gateway: no route leaves it. */
  internal: boolean;
  /** The network's subnet in CIDR form, e.g. `172.18.0.0/16`. */
  subnet: string;
  /** The bridge's own address on the host; empty for an internal network. */
  gateway: string;
  ip: string;
  prefixLen: number;
  mac: string;
}

/** A port to publish: `hostPort` 0 means any free port (from `hostPortEnd` when a range was given). */
export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** The host address to listen on; empty means every address (Docker's 0.0.0.0). */
  hostIp: string;
  hostPort: number;
  /** With a range `8000-8010`: the last port of the range, `hostPort` being its first. */
  hostPortEnd?: number;
}

/** A port as it was bound: `hostPort` is the real one and `hostIp` is `0.0.0.0` for every address. */
export interface BoundPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

/** One `/etc/hosts` line. */
export interface HostEntry {
  ip: string;
  names: string[];
}

/**
 * The workload's network, as Docker's NetworkMode: `bridge` (the default bridge or user-defined networks,
 * one endpoint each), `host`, `none`, or `container` (sharing another container's network namespace).
 */
export interface WorkloadNetwork {
  mode: 'bridge' | 'host' | 'none' | 'container';
  /** With mode `container`: the id of the container whose network it joins (running, same backend). */
  container?: string;
  /** With mode `bridge`: the first endpoint is the primary one and carries the default route. */
  endpoints: WorkloadEndpoint[];
  ports: PublishedPort[];
  /** The `/etc/hosts` lines beyond localhost: the container's own address and hostname, its peers, `--add-host`. */
  hosts: HostEntry[];
}

/** A host device given to the workload (`--device /dev/x[:/dev/y[:rwm]]`). */
export interface WorkloadDevice {
  hostPath: string;
  containerPath: string;
  /** Docker's cgroup permissions: some of `r`, `w`, `m`. */
  permissions: string;
}

/**
 * The container's confinement as Docker's HostConfig asks for it, normalised by the core. Absent means
 * Docker's defaults (the same as every field at its default). A backend that cannot honour a field that
 * asks for more than the default (privileged, devices, host namespaces) must refuse with a 501 naming it.
 */
export interface WorkloadSecurity {
  /** `--privileged`: all capabilities, the host's devices, no seccomp, no masked or read-only /proc paths. */
  privileged: boolean;
  /** Capability names with the `CAP_` prefix, or `ALL`, as Docker normalises them; applied to Docker's 14. */
  capAdd: string[];
  capDrop: string[];
  devices: WorkloadDevice[];
  /** `default` (Docker's profile), `unconfined`, or a profile's JSON text (`--security-opt seccomp=FILE`). */
  seccomp: string;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges: boolean;
  /** `''` (a namespace of its own), `host`, or `container:<full id>`; ipcMode may also be `none`/`private`/`shareable`. */
  pidMode: string;
  ipcMode: string;
  /** `''` or `host`. */
  utsMode: string;
  /**
   * HostConfig.MaskedPaths and ReadonlyPaths when the client sent them (`--security-opt
   * systempaths=unconfined` sends both empty); absent means Docker's default lists.
   */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /**
   * `host` (`--userns=host`): opt out of a backend's user-namespace remapping, as with dockerd's
   * `--userns-remap`. Absent: the backend's default (remapped where it is configured).
   */
  usernsMode?: 'host';
}

export interface WorkloadSpec {
  id: string;
  /** The container name without the leading slash. */
  name: string;
  hostname: string;
  image: {
    id: string;
    /** The image's reference as the user gave it. */
    ref: string;
    /** Host directory with the image's unpacked layers; absent when the image has no layers. */
    rootfs?: string;
  };
  /** The full argv: entrypoint followed by cmd, already merged with the image config. */
  argv: string[];
  env: string[];
  workingDir: string;
  /** `user`, `uid`, `user:group` or `uid:gid`, as Docker accepts; empty means root. */
  user: string;
  /** `HostConfig.GroupAdd`: more supplementary groups, numeric or named in the image's /etc/group. */
  groupAdd?: string[];
  tty: boolean;
  openStdin: boolean;
  /** With a TTY: the terminal's size at start (Docker's `ConsoleSize`), so it is right before the first resize. */
  consoleSize?: ConsoleSize;
  mounts: WorkloadMount[];
  labels: Record<string, string>;
  /** A directory the driver owns for this container (writable layer, pid files, ...). */
  stateDir: string;
  /** Memory limit in bytes; 0 means none. */
  memoryBytes: number;
  /** Docker's cgroup limits (Memory, NanoCpus, PidsLimit...); absent from an older core: none. */
  resources?: WorkloadResources;
  /** Absent from a core that predates networking: a driver then treats the workload as `host`. */
  network?: WorkloadNetwork;
  /** Absent from a core that predates it: Docker's default confinement. */
  security?: WorkloadSecurity;
}

/** One entry of `GET /containers/{id}/changes`: Kind 0 modified, 1 added, 2 deleted (Docker's ChangeType). */
export interface FilesystemChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

export interface ExitStatus {
  exitCode: number;
  /** Set when the process died of a signal (exitCode is then 128 + signal number). */
  signal?: string;
  oomKilled?: boolean;
  /** A failure of the backend itself (the workload never ran, or was lost). */
  error?: string;
  /** When it ended, if not just now (it ended while the daemon was down and was found at reattach). */
  finishedAt?: Date;
}

export interface WorkloadProcess {
  /** Present when stdin was asked for. Ending it closes the process's stdin. */
  stdin: Writable | null;
  /** With a TTY, stdout carries the terminal's combined output and stderr is null. */
  stdout: Readable;
  stderr: Readable | null;
  /** Resolves once, when the process has exited and its output streams have ended. */
  exited: Promise<ExitStatus>;
  /** Host pid, when the backend has one. */
  pid?: number;
  /** The published ports as bound at start (none when nothing was published or the backend cannot). */
  ports?: BoundPort[];
  resize?(rows: number, cols: number): void;
  /** Ends the process and whatever it started (SIGKILL): an exec'd health probe that outlived its timeout. */
  kill?(): void;
}

/** A terminal's size in character cells. */
export interface ConsoleSize {
  rows: number;
  cols: number;
}

/** The PATH a workload or exec gets when its environment sets none, as under Docker. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ExecSpec {
  argv: string[];
  env: string[];
  workingDir: string;
  user: string;
  tty: boolean;
  /** With a TTY: the terminal's size at start (Docker's `ConsoleSize`). */
  consoleSize?: ConsoleSize;
  attachStdin: boolean;
  privileged: boolean;
}

/** What Docker sends base64-encoded in `X-Docker-Container-Path-Stat`. `mode` uses Go's FileMode bits. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/**
 * What a cloud resource's tags say about the container it runs, so that a daemon with no record of it (a
 * new home, a lost store) can rebuild one. Env and secrets are never in tags.
 */
export interface WorkloadIdentity {
  name: string;
  /** The image reference as the user gave it. */
  image: string;
  /** ISO time of the container's create. */
  created: string;
  labels: Record<string, string>;
  pool?: string;
  /** Entrypoint followed by cmd, when the backend can read it back (task definition, function config). */
  argv?: string[];
  /** When the workload has ended: its exit code and times (ISO). */
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** What a backend that keeps the whole spec (local's spec.json) can give back besides tags. */
  env?: string[];
  workingDir?: string;
  user?: string;
  tty?: boolean;
  openStdin?: boolean;
  hostname?: string;
}

export interface ManagedWorkload {
  id: string;
  running: boolean;
  /** Present when the backend can tell whose workload it is from the cloud alone (tags). */
  identity?: WorkloadIdentity;
  /**
   * For a backend whose identity costs a read per workload (local's spec.json): called only for a workload
   * the store has no record of, so a boot with every record intact reads nothing.
   */
  readIdentity?: () => Promise<WorkloadIdentity | undefined>;
}

/**
 * What every driver does: make a workload, run it, signal it, free it, list what it manages. The rest are
 * optional powers below; a driver has a power when it implements each of its (non-optional) methods. The
 * core detects them once, when it creates the instance, and answers Docker's 501 for a missing one.
 */
export interface BackendDriverBase {
  readonly kind: string;
  /** False when the instance cannot take new workloads right now; the scheduler skips it. */
  available?(): boolean;
  /** Prepare everything a later start needs (called at container create); archives work from here on. */
  create(spec: WorkloadSpec): Promise<void>;
  /** Start the workload. Called again on restart of the same container. */
  start(spec: WorkloadSpec): Promise<WorkloadProcess>;
  /** Deliver a signal by name (`SIGTERM`, `SIGKILL`, `HUP`, `9`...). NotFound if it is not running. */
  signal(id: string, signal: string): Promise<void>;
  /** Free everything `create` made. May be called more than once. */
  remove(id: string): Promise<void>;
  /** What this instance manages, for recovery at boot. */
  list(): Promise<ManagedWorkload[]>;
  /** Called once at shutdown. */
  close?(): Promise<void>;
}

/**
 * The backend driver: the base and any of the powers. Each power's methods come together or not at all (a
 * driver with `statPath` but no `getArchive` has no archive power).
 */
export interface BackendDriver extends BackendDriverBase, Partial<ExecPower>, Partial<ArchivePower>, Partial<TopPower>, Partial<DiskUsagePower>,
  Partial<LayerPower>, Partial<NetworkPower>, Partial<PausePower>, Partial<ResourcePower>, Partial<OomPower>, Partial<StatsPower>, Partial<ReattachPower> {}

export interface BackendDriverContext<O = Record<string, unknown>> {
  /** The instance name from config (`backends.<name>`), or the driver kind. */
  instanceName: string;
  options: O;
  /** A directory owned by this instance. */
  stateDir: string;
  logger: Logger;
  /**
   * For spans of the driver's own (a cloud SDK call: `traceAwsClient`). The tracing plugin puts every driver
   * method in a span already (`CoreInterceptors.backendDriver`); the daemon always sets this, a driver made by hand (a test) may leave it out.
   */
  tracer?: Tracer;
}

export interface BackendDriverFactory<O = Record<string, unknown>> {
  kind: string;
  /** Validates `backends.<name>.options`; the result reaches `create`. */
  optionsSchema?: import('../plugin').StandardSchema<O>;
  create(ctx: BackendDriverContext<O>): BackendDriver | Promise<BackendDriver>;
}

export interface BackendDriverRegistry {
  register(factory: BackendDriverFactory<any>): void;
}
