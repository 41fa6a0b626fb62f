/**
 * A CI coordinator turns CI jobs (GitHub Actions, GitLab CI) into containers in a pool.
 *
 * What a coordinator plugin uses, all through the SDK (its `init` deps):
 * - `coreServices.containers`: `create`, `start`, `remove`, `list`, exactly as a Docker client gets them
 *   through `POST /containers/create` and `/start`: the same admission (pool routing by `com.sockerless.pool`,
 *   `limits`), scheduling, pool slots and events. A refusal arrives as the SDK's typed error (TooManyRequests
 *   when a pool's queue is full, NotFound for an image), never as a fake success.
 * - `coreServices.events`: container events (`start`, `die`, `destroy`) to follow its containers.
 * - `poolsServiceRef` (the `pools` plugin): to check at boot (`lifecycle.onReady`) that each configured pool exists.
 * - `coreServices.records`: its own durable records (`plugin:<id>` in the store, durable when `put` resolves).
 *
 * The core starts every registered coordinator once the daemon serves (recovery done, every plugin's
 * `onReady` run, listeners open: a webhook can arrive), and stops them first at shutdown, before backends
 * close, so a coordinator never acts on a half-closed engine.
 *
 * ## The durability rule (so a `kill -9` neither loses nor duplicates a runner)
 * 1. A job is recorded (`records.put`) before anything is asked of the forge or the engine for it; the record
 *    is keyed by the forge's job id, so a second delivery of the same job finds it and does nothing.
 * 2. Its container's name is derived from the job (`ciContainerName`: the job id, and an attempt number where a
 *    job may get more than one), and the container carries
 *    `CI_COORDINATOR_LABEL` and `CI_JOB_LABEL`: Docker's name uniqueness (409 on a second create) makes the
 *    create idempotent across a crash between "recorded" and "created".
 * 3. At `start`, the coordinator reconciles its records with `containers.list()` filtered by its label: a
 *    record whose job is still wanted and has no container gets one; a container with no live record (job
 *    finished or unknown) is removed; then it asks the forge for jobs it missed while down.
 * A record is deleted only after its container is gone, so nothing it started is ever forgotten.
 */
export interface CiCoordinator {
  /** Unique among coordinators (`github`, `gitlab`); the value of `CI_COORDINATOR_LABEL` on its containers. */
  name: string;
  /** Called once the daemon serves (see above). Reconcile here; a throw is logged and the daemon keeps serving. */
  start(): Promise<void>;
  /** Stops taking jobs and timers; containers are left to the next start's reconciliation (crash-only). */
  stop(): Promise<void>;
}

export interface CiCoordinatorRegistry {
  register(coordinator: CiCoordinator): void;
}

/** Set on every container a coordinator creates: the coordinator's name. */
export const CI_COORDINATOR_LABEL = 'com.sockerless.ci.coordinator';
/** Set on every container a coordinator creates: the forge's job id it serves. */
export const CI_JOB_LABEL = 'com.sockerless.ci.job';

/**
 * The one container name a coordinator's job may have (`sockerless-ci-github-1234`), so that a create repeated
 * after a crash answers 409 Conflict instead of making a second runner. Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+.
 */
export function ciContainerName(coordinator: string, jobId: string | number): string {
  return `sockerless-ci-${coordinator}-${String(jobId)}`.replace(/[^a-zA-Z0-9_.-]/g, '_');
}
