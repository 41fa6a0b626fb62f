import type { PolledExecution } from './polled-execution';

/** A container's current execution (Cloud Run, Container Apps) as its driver follows it. */
export interface TrackedExecution {
  name: string;
  finished: boolean;
  /** Which signal the cloud carried out by ending the run (cancel, stop), when the agent could not deliver it. */
  endedBy?: 'SIGTERM' | 'SIGKILL';
  handle?: PolledExecution;
}

/** What a follower needs of its entry: which signal ended the run, and where to say that the run is over. */
export interface FollowedExecution {
  endedBy(): 'SIGTERM' | 'SIGKILL' | undefined;
  onFinished(): void;
}

/**
 * The executions a job-per-container backend follows: each container's latest, found again from the cloud after
 * a restart, and every unfinished one (an earlier start's too) so that closing the driver stops all the polls.
 */
export class ExecutionBook {
  private readonly executions = new Map<string, TrackedExecution>();
  private readonly following = new Set<PolledExecution>();

  /** Follows container `id`'s new execution `name`; `start` makes the polled run from the entry's callbacks. */
  follow(id: string, name: string, start: (entry: FollowedExecution) => PolledExecution): PolledExecution {
    const state: TrackedExecution = { name, finished: false };
    this.executions.set(id, state);
    const handle = start({
      endedBy: () => state.endedBy,
      onFinished: () => {
        state.finished = true;
        this.following.delete(handle);
      },
    });
    state.handle = handle;
    this.following.add(handle);
    return handle;
  }

  /** The container's running execution, from memory or (after a restart) from `latest`, its job's newest in the cloud. */
  async running(id: string, latest: () => Promise<{ name: string; finished: boolean } | undefined>): Promise<TrackedExecution | undefined> {
    const known = this.executions.get(id);
    if (known) return known.finished ? undefined : known;
    const found = await latest();
    if (!found || found.finished) return undefined;
    const state: TrackedExecution = { name: found.name, finished: false };
    this.executions.set(id, state);
    return state;
  }

  /** The container is gone: its follower polls at once (and sees the end), and its entry goes. */
  forget(id: string): void {
    this.executions.get(id)?.handle?.wake();
    this.executions.delete(id);
  }

  /** The driver closes: no run is polled any more. */
  stopAll(): void {
    for (const handle of this.following) handle.stop();
  }
}
