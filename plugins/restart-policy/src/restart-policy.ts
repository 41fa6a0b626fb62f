import { InvalidArgumentError, type LifecycleContainer, type RestartPolicy } from '@sockerless/sdk';

/**
 * Docker's restart policies: checking them at create, deciding at an exit whether the container runs again
 * and after how long (moby's restartmanager), and which containers the daemon starts again when it boots.
 */

export type { RestartPolicy } from '@sockerless/sdk';

const POLICY_NAMES = ['no', 'always', 'on-failure', 'unless-stopped'];

export const RESTART_BACKOFF = {
  /** The first delay after an exit, doubled on each restart in a row. */
  initialMs: 100,
  maxMs: 60_000,
  /** A run at least this long starts the backoff over. */
  resetAfterRunMs: 10_000,
} as const;

/** `''` is `no`, as dockerd reads it. */
export function isNone(policy: RestartPolicy | undefined): boolean {
  return !policy?.Name || policy.Name === 'no';
}

/**
 * Create-time checks with the messages of dockerd 20.10 (daemon/container.go verifyContainerSettings), the
 * reference engine the differential suite runs; dockerd 25+ words them `invalid restart policy: ...`.
 */
export function validateRestartPolicy(hostConfig: { AutoRemove?: unknown; RestartPolicy?: unknown }): void {
  const raw = hostConfig.RestartPolicy;
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new InvalidArgumentError('invalid HostConfig.RestartPolicy: expected an object');
  }
  const policy = (raw ?? {}) as Record<string, unknown>;
  if (policy.Name !== undefined && typeof policy.Name !== 'string') throw new InvalidArgumentError('invalid RestartPolicy.Name: expected a string');
  if (policy.MaximumRetryCount !== undefined && !Number.isInteger(policy.MaximumRetryCount)) {
    throw new InvalidArgumentError('invalid RestartPolicy.MaximumRetryCount: expected an integer');
  }
  const name = (policy.Name as string | undefined) ?? '';
  const max = (policy.MaximumRetryCount as number | undefined) ?? 0;
  if (hostConfig.AutoRemove === true && !isNone({ Name: name })) throw new InvalidArgumentError(`can't create 'AutoRemove' container with restart policy`);
  // An empty name takes any count: older clients sent it that way.
  if (name === '') return;
  if (!POLICY_NAMES.includes(name)) throw new InvalidArgumentError(`invalid restart policy '${name}'`);
  if (name === 'on-failure') {
    if (max < 0) throw new InvalidArgumentError('maximum retry count cannot be negative');
    return;
  }
  if (max !== 0) throw new InvalidArgumentError(`maximum retry count cannot be used with restart policy '${name}'`);
}

export interface ExitFacts {
  exitCode: number;
  /** `docker stop`/`kill` was used on it (Docker's HasBeenManuallyStopped). */
  manuallyStopped: boolean;
  /** Policy restarts so far (Docker's RestartCount). */
  restartCount: number;
}

/** moby's restartmanager ShouldRestart, without the timing: whether the policy wants another run. */
export function policyWantsRestart(policy: RestartPolicy | undefined, exit: ExitFacts): boolean {
  switch (isNone(policy) ? 'no' : policy!.Name) {
    case 'always': return true;
    case 'unless-stopped': return !exit.manuallyStopped;
    case 'on-failure': {
      const max = policy!.MaximumRetryCount ?? 0;
      // 0 means no limit.
      return exit.exitCode !== 0 && (max === 0 || exit.restartCount < max);
    }
    default: return false;
  }
}

/** The delay before the next restart: 100 ms, doubling per restart in a row, at most a minute; a 10 s run resets it. */
export function nextRestartDelay(previousMs: number, ranMs: number): number {
  const previous = ranMs >= RESTART_BACKOFF.resetAfterRunMs ? 0 : previousMs;
  const next = previous === 0 ? RESTART_BACKOFF.initialMs : previous < RESTART_BACKOFF.maxMs ? previous * 2 : previous;
  return Math.min(next, RESTART_BACKOFF.maxMs);
}

/**
 * dockerd at startup (daemon.restore): a container that ran before and whose policy wants it running is
 * started again. `always` comes back even after `docker stop`; `unless-stopped` does not.
 */
export function startsAtBoot(c: LifecycleContainer): boolean {
  const ranBefore = Date.parse(c.state.StartedAt) > 0;
  return ranBefore && policyWantsRestart(c.hostConfig.RestartPolicy, { exitCode: c.state.ExitCode, manuallyStopped: c.manuallyStopped ?? false, restartCount: c.restartCount });
}

/**
 * One container's restart history between manual starts (moby's RestartManager): the backoff so far, whether
 * a stop or kill cancelled restarts for this history, and the timer of a pending restart. A manual start
 * replaces it with a fresh one.
 */
export class RestartManager {
  private delayMs = 0;
  private cancelled = false;
  private timer?: NodeJS.Timeout;
  /** The policy's start in progress (its timer fired), settled either way. */
  inFlight?: Promise<void>;

  /** At an exit: the delay before the policy's restart, or undefined when the container stays down. */
  decide(policy: RestartPolicy | undefined, exit: ExitFacts, ranMs: number): number | undefined {
    if (isNone(policy) || this.cancelled) return undefined;
    this.delayMs = nextRestartDelay(this.delayMs, ranMs);
    return policyWantsRestart(policy, exit) ? this.delayMs : undefined;
  }

  schedule(delayMs: number, restart: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      restart();
    }, delayMs);
    // A pending restart does not keep a stopping daemon alive.
    this.timer.unref();
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** No more policy restarts in this history (Docker's ExitOnNext); true when a pending one was dropped. */
  cancel(): boolean {
    this.cancelled = true;
    const wasPending = this.pending;
    clearTimeout(this.timer);
    this.timer = undefined;
    return wasPending;
  }
}
