import { isSockerlessError, type ManagedWorkload, type WorkloadIdentity } from '@sockerless/sdk';
import { argvOf, exitStatusOf } from './job';
import { identityOfLabels, LABEL, labelValue } from './labels';
import type { CloudRunApi, Job } from './run-api';

/** Parallel GetExecution/ListTasks calls while listing (one pair per exited container). */
const DESCRIBE_CONCURRENCY = 8;
/** Cloud Run's completion statuses of an execution that has not ended. */
const UNFINISHED = new Set(['EXECUTION_RUNNING', 'EXECUTION_PENDING', 'COMPLETION_STATUS_UNSPECIFIED']);

/**
 * What Cloud Run alone says about this instance's containers: their jobs (one per container, made at
 * create, deleted by `docker rm`) and each job's latest execution. It is what recovery reads, so a daemon
 * with an empty home finds its containers again.
 */
export class Inventory {
  constructor(private readonly api: CloudRunApi, private readonly instance: string) {}

  async list(): Promise<ManagedWorkload[]> {
    const jobs = (await this.api.listJobs()).filter((j) => j.labels?.[LABEL.instance] === labelValue(this.instance));
    const out: ManagedWorkload[] = [];
    await forEachLimited(jobs, DESCRIBE_CONCURRENCY, async (job) => {
      const owned = identityOfLabels(job.labels as Record<string, string> | undefined);
      if (!owned || owned.instance !== this.instance) return;
      const latest = job.latestCreatedExecution;
      const running = !!latest?.name && !latest.completionTime && UNFINISHED.has(String(latest.completionStatus ?? 'COMPLETION_STATUS_UNSPECIFIED'));
      const identity: WorkloadIdentity = { ...owned.identity, argv: argvOf(job) };
      if (latest?.name && !running) Object.assign(identity, await this.exitOf(latest.name));
      out.push({ id: owned.containerId, running, identity });
    });
    return out;
  }

  /** The name of a job's newest execution and whether it has ended; undefined when the job or the execution is gone. */
  async latestExecution(jobId: string): Promise<{ name: string; finished: boolean } | undefined> {
    let job: Job;
    try {
      job = await this.api.getJob(this.api.jobName(jobId));
    } catch (err) {
      if (isSockerlessError(err) && err.code === 'NotFound') return undefined;
      throw err;
    }
    const latest = job.latestCreatedExecution;
    if (!latest?.name) return undefined;
    return { name: latest.name, finished: !!latest.completionTime || !UNFINISHED.has(String(latest.completionStatus ?? 'COMPLETION_STATUS_UNSPECIFIED')) };
  }

  /** The exit code and times of a finished execution, the same code a live run of it reported. */
  private async exitOf(execution: string): Promise<Partial<WorkloadIdentity>> {
    try {
      const [described, tasks] = await Promise.all([this.api.getExecution(execution), this.api.listTasks(execution)]);
      return {
        ...(described.startTime ? { startedAt: isoOf(described.startTime) } : {}),
        ...(described.completionTime ? { finishedAt: isoOf(described.completionTime), exitCode: exitStatusOf(described, tasks[0]).exitCode } : {}),
      };
    } catch (err) {
      if (isSockerlessError(err) && err.code === 'NotFound') return {};
      throw err;
    }
  }
}

/** A protobuf Timestamp (or its RFC 3339 text) as an ISO string. */
export function isoOf(t: { seconds?: unknown; nanos?: number | null } | string): string {
  if (typeof t === 'string') return new Date(t).toISOString();
  return new Date(Number(String(t.seconds ?? 0)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
