import type { PluginRecords } from '@sockerless/sdk';

/** A job the coordinator saw (webhook or poll), kept until an hour after it completed, so a late duplicate is known. */
export interface JobRecord {
  id: string;
  kind: 'job';
  jobId: number;
  repo: string;
  labels: string[];
  group: string;
  status: 'queued' | 'in_progress' | 'completed';
  /** Runners launched because of this job (their names end in `-1`, `-2`, ...). */
  runnersLaunched: number;
  seenAt: number;
  completedAt?: number;
}

/** An ephemeral runner: recorded before it is registered on GitHub, deleted once its container is gone. */
export interface RunnerRecord {
  id: string;
  kind: 'runner';
  /** The runner's name on GitHub and its container's name. */
  name: string;
  group: string;
  /** The job whose arrival launched it; GitHub may hand it any queued job its labels match. */
  forJob: number;
  /** Set once GitHub registered it (`generate-jitconfig` answered). */
  runnerId?: number;
  /** `removing`: unregistered on GitHub, its container on its way out; it still counts against the group's max. */
  state: 'registering' | 'starting' | 'waiting' | 'busy' | 'removing';
  launchedAt: number;
  /** When its container started: the pickup timeout counts from here. */
  startedAt?: number;
}

export const jobKey = (jobId: number) => `job:${jobId}`;
export const runnerKey = (name: string) => `runner:${name}`;

/** The coordinator's records in memory, written through to the store (durable when each call resolves). */
export class Ledger {
  readonly jobs = new Map<number, JobRecord>();
  readonly runners = new Map<string, RunnerRecord>();

  constructor(private readonly store: PluginRecords) {}

  async load(): Promise<void> {
    for (const r of await this.store.list()) {
      if (r.kind === 'job') this.jobs.set((r as unknown as JobRecord).jobId, r as unknown as JobRecord);
      else if (r.kind === 'runner') this.runners.set((r as unknown as RunnerRecord).name, r as unknown as RunnerRecord);
    }
  }

  async putJob(j: JobRecord): Promise<void> {
    this.jobs.set(j.jobId, j);
    await this.store.put({ ...j });
  }

  async putRunner(r: RunnerRecord): Promise<void> {
    this.runners.set(r.name, r);
    await this.store.put({ ...r });
  }

  async dropJob(jobId: number): Promise<void> {
    this.jobs.delete(jobId);
    await this.store.delete(jobKey(jobId));
  }

  async dropRunner(name: string): Promise<void> {
    this.runners.delete(name);
    await this.store.delete(runnerKey(name));
  }

  runnersOf(group: string): RunnerRecord[] {
    return [...this.runners.values()].filter((r) => r.group === group);
  }

  queuedOf(group: string): JobRecord[] {
    return [...this.jobs.values()].filter((j) => j.group === group && j.status === 'queued').sort((a, b) => a.runnersLaunched - b.runnersLaunched || a.seenAt - b.seenAt);
  }
}
