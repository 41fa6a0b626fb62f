import type { Logger } from '../services';
import type { WorkloadProcess, WorkloadSpec } from './backend';

/** Docker's `State` of a container, as inspect shows it (moby's container.State). */
export interface ContainerState {
  Status: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** Present once a container with a health check has started (Docker's `State.Health`). */
  Health?: HealthState;
}

/** One probe run, as Docker's HealthcheckResult. */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  /** The last five results, oldest first. */
  Log: HealthLogEntry[];
}

/** Docker's `HostConfig.RestartPolicy`; `''` and `no` mean none. */
export interface RestartPolicy {
  Name?: string;
  MaximumRetryCount?: number;
}

/** What a lifecycle hook sees of a container's record (the core's record has more); hooks may change these fields. */
export interface LifecycleContainer {
  readonly id: string;
  /** The backend instance that runs it. */
  readonly backend: string;
  config: { Env: string[]; WorkingDir: string; User: string; StopSignal?: string; Healthcheck?: Record<string, unknown> };
  /** Docker's HostConfig as the create recorded it (and updates changed it). */
  hostConfig: { AutoRemove?: boolean; RestartPolicy?: RestartPolicy; [field: string]: unknown };
  state: ContainerState;
  /** Policy restarts since the last manual start (Docker's RestartCount). */
  restartCount: number;
  /** Set by `docker stop`/`kill`, cleared by `docker start` (Docker's HasBeenManuallyStopped). */
  manuallyStopped?: boolean;
}

/** At an exit, a hook's request to run the container again: the core shows it `restarting`, then calls `begin`. */
export interface RestartRequest {
  delayMs: number;
  /** Called once the exit is recorded and announced (`die`), to wait out the delay and start it. */
  begin(): void;
}

/**
 * One concern that rides on the container lifecycle the core runs (Docker's health monitor, its restart
 * manager). Every method is optional; the core calls them in registration order at these points of
 * dockerd's lifecycle. A method that throws a Docker error (InvalidArgumentError, ConflictError) refuses
 * the request with it; the others must not throw.
 */
export interface LifecycleHook {
  /** `POST /containers/create`, before the name and image are looked at: the body's parts this hook owns. */
  validateCreate?(body: { Healthcheck?: unknown; HostConfig?: Record<string, unknown> | null }): void;
  /** Create, the image known: fills the container's config from the image's where the hook owns the field. */
  mergeImageConfig?(config: { Healthcheck?: Record<string, unknown> }, image: { Healthcheck?: Record<string, unknown> | null }): void;
  /** Create, the checks passed: sets dockerd's defaults in the HostConfig to record (its adaptContainerSettings). */
  createHostConfig?(hostConfig: Record<string, unknown>): void;
  /** What the backend gets of the fields this hook owns, in the spec of a create or start and to compare at an update. */
  workloadSettings?(c: LifecycleContainer): Partial<Pick<WorkloadSpec, 'resources' | 'security'>>;
  /** `POST /containers/{id}/update`, before the container's state is looked at: the body's parts this hook owns. */
  validateUpdate?(update: Record<string, unknown>): void;
  /** Update, the body checked: writes what it owns into the new host config (`merged`). */
  mergeUpdate?(c: LifecycleContainer, update: Record<string, unknown>, merged: Record<string, unknown>): void;
  /** A start begins (`manual`: `docker start`/`restart`, not the restart policy), before admission. */
  starting?(c: LifecycleContainer, manual: boolean): void;
  /** The run is recorded as running, not saved yet (`reattached`: taken back at boot, no new StartedAt). */
  started?(c: LifecycleContainer, reattached: boolean): void;
  paused?(c: LifecycleContainer, paused: boolean): void;
  /** The run ended, before it is recorded: a hook may ask for another run (the restart policy). */
  exited?(c: LifecycleContainer, exitCode: number): RestartRequest | undefined;
  /** Whether a restart it asked for is still to come (`orInFlight`: or starting now). */
  restartPending?(id: string, orInFlight: boolean): boolean;
  /** Resolves once a restart it is making now has settled (dockerd holds the container's lock through it). */
  restartSettled?(id: string): Promise<void>;
  /** `docker stop`/`kill`/`rm -f` of a container waiting to restart: drops the restart; true when one was pending. */
  dropRestart?(c: LifecycleContainer): Promise<boolean>;
  /** `docker stop`/`kill` sent `signal` (`forGood`: the SIGKILL of a stop that timed out, or of `rm -f`). */
  signalled?(c: LifecycleContainer, signal: NodeJS.Signals, forGood: boolean): Promise<void>;
  /** The container is being removed: forget it. */
  removed?(id: string): void;
  /** The daemon boots, plugins ready and recovery done (dockerd's restore). */
  boot?(): Promise<void>;
  /** The daemon is stopping: no more timers or probes. */
  shutdown?(): void;
}

/** What the core hands a hook: its narrow hold on the containers and their runs. */
export interface LifecycleContext {
  logger: Logger;
  /** The container's current record; undefined once it is removed (or the id is unknown). */
  container(id: string): LifecycleContainer | undefined;
  containers(): LifecycleContainer[];
  /** A container by id, id prefix or name, as the caller sees it; Docker's `No such container` (404) otherwise. */
  find(ref: string): LifecycleContainer;
  /** Whether a run of it is in progress. */
  isRunning(id: string): boolean;
  save(c: LifecycleContainer): Promise<void>;
  /** A Docker `container` event about `c`. */
  emit(c: LifecycleContainer, action: string, extra?: Record<string, string>): void;
  /** Starts it as `docker start` does, admission included (`policyRestart`: the restart policy's start). */
  start(id: string, policyRestart: boolean): Promise<void>;
  /** A pending restart dropped: the state goes back to exited with its last code (not saved). */
  restartDropped(c: LifecycleContainer): void;
  /** Whether its backend runs commands in it (`exec`); a probe needs it. */
  canExec(c: LifecycleContainer): boolean;
  /** Runs `argv` in the container as the container's user, env and working dir, without a TTY or stdin. */
  exec(c: LifecycleContainer, argv: string[]): Promise<WorkloadProcess>;
}

export interface LifecycleHooksRegistry {
  /** The core calls `create` once its engine is there, and runs the hook's methods in registration order. */
  register(create: (ctx: LifecycleContext) => LifecycleHook): void;
}
