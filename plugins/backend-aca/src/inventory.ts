import { identityFromTags, IDENTITY_TAG, isSockerlessError, type ManagedWorkload, type WorkloadIdentity } from '@sockerless/sdk';
import { isFinished, type AcaApi, type ExecutionView } from './aca-api';
import { argvOf, exitStatusOf } from './job';

/** Parallel ListJobExecutions calls while listing (one per container). */
const DESCRIBE_CONCURRENCY = 8;

/**
 * What Container Apps alone says about this instance's containers: their jobs (one per container, made at
 * create, deleted by `docker rm`, the container's identity in their tags) and each job's latest execution. It
 * is what recovery reads, so a daemon with an empty home finds its containers again.
 */
export class Inventory {
  constructor(private readonly api: AcaApi, private readonly instance: string) {}

  async list(): Promise<ManagedWorkload[]> {
    // A job being deleted (`docker rm` does not wait for ARM's operation to end) is a container already removed.
    const jobs = (await this.api.listJobs()).filter((j) => j.tags?.[IDENTITY_TAG.managed] === 'true' && j.tags?.[IDENTITY_TAG.instance] === this.instance
      && j.provisioningState !== 'Deleting');
    const out: ManagedWorkload[] = [];
    await forEachLimited(jobs, DESCRIBE_CONCURRENCY, async (job) => {
      const tags = job.tags ?? {};
      const owned = identityFromTags(tags);
      if (!owned || !job.name) return;
      const latest = await this.latestOf(job.name);
      const running = !!latest && !isFinished(latest);
      const identity: WorkloadIdentity = { ...owned, argv: argvOf(job) };
      if (latest && !running) Object.assign(identity, await this.exitOf(job.name, latest));
      out.push({ id: tags[IDENTITY_TAG.containerId], running, identity });
    });
    return out;
  }

  /** A job's newest execution, or undefined when the job or any execution is gone. */
  async latestExecution(job: string): Promise<ExecutionView | undefined> {
    try {
      return await this.latestOf(job);
    } catch (err) {
      if (isSockerlessError(err) && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  private async latestOf(job: string): Promise<ExecutionView | undefined> {
    return (await this.api.listExecutions(job))[0];
  }

  /** The exit code and times of a finished execution, the same code a live run of it reported. */
  private async exitOf(job: string, latest: ExecutionView): Promise<Partial<WorkloadIdentity>> {
    try {
      const described = await this.api.getExecution(job, latest.name);
      return {
        ...(described.startTime ? { startedAt: described.startTime.toISOString() } : {}),
        ...(described.endTime ? { finishedAt: described.endTime.toISOString() } : {}),
        exitCode: exitStatusOf(described).exitCode,
      };
    } catch (err) {
      if (isSockerlessError(err) && err.code === 'NotFound') return {};
      throw err;
    }
  }
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
