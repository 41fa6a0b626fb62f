import type { BackendDriver, BackendDriverContext, BackendDriverFactory, WorkloadSpec } from '../../contracts/backend';
import type { Logger } from '../../services';

/**
 * Powers a backend may lack, each with the reason the report prints when its scenarios are skipped. A
 * scenario of a power that is not declared missing runs; an optional driver method that is absent while its
 * power is not declared missing fails the scenario, so a skip is always a stated choice.
 */
export interface ConformanceSkips {
  /** stdout and stderr arrive on stdout together (a cloud log that keeps no stream identity). */
  stderr?: string;
  /** `openStdin`: the workload reads what is written to `WorkloadProcess.stdin`. */
  stdin?: string;
  /** Signals other than SIGTERM and SIGKILL (`docker kill -s HUP`). */
  signals?: string;
  /** A start of something that is not executable (`/`) ends as Docker's 126. */
  exitCode126?: string;
  /** `exec` into a running workload. */
  exec?: string;
  /** `statPath`, `getArchive`, `putArchive` on a running workload (`docker cp`). */
  archive?: string;
  /** A new instance on the same state dir finds what the old one made (`list`), as after a daemon restart. */
  recovery?: string;
  /** A new instance sees a workload the old one left running, and takes it back (`reattach`) or kills it, as the core does at boot. */
  runningAcrossRestart?: string;
  /** `pause`/`unpause`: every process of a running workload frozen and thawed (`docker pause`). */
  pause?: string;
  /** `stats`: a usage sample of a running workload (`docker stats`). */
  stats?: string;
}

/** A backend driver made as the core makes one: from the factory a plugin registers, or a plain function. */
export type ConformanceDriverSource<O> = BackendDriverFactory<O> | ((ctx: BackendDriverContext<NoInfer<O>>) => BackendDriver | Promise<BackendDriver>);

export interface BackendConformanceOptions<O = Record<string, unknown>> {
  /** What the report calls the backend, e.g. `backend-local`. */
  name: string;
  /** The driver factory; called again, on the same state dir, for the recovery scenario (a daemon restart). */
  driver: ConformanceDriverSource<O>;
  /** The instance's options (`backends.<name>.options`); validated by the factory's schema when it has one. Read when the suite opens. */
  options?: O | (() => O);
  /** The image every workload runs: it must have a POSIX `sh` with `echo`, `sleep`, `cat` and `trap` (busybox does). */
  image: WorkloadSpec['image'] | (() => WorkloadSpec['image']);
  /** The workload env; default `PATH=` Docker's default PATH. */
  env?: string[];
  /** Fields every spec gets (labels, security) on top of the kit's defaults. */
  spec?: Partial<WorkloadSpec>;
  /** The instance name the driver gets; default `conformance`. */
  instanceName?: string;
  skip?: ConformanceSkips;
  /** Bound on each wait for a workload (its exit, a line of output); default 60 s. */
  timeoutMs?: number;
  /** How long a workload that ignores SIGTERM must still be running before the kit sends SIGKILL; default 1 s. */
  stopGraceMs?: number;
  /** How many workloads run at once in the concurrency scenario; default 6. */
  concurrency?: number;
  logger?: Logger;
}

export interface ConformanceResult {
  scenario: string;
  status: 'passed' | 'failed' | 'skipped';
  /** The failure (it starts with the scenario's name) or the skip's reason. */
  message?: string;
}
