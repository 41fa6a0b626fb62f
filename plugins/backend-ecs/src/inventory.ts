import { identityFromTags, type ManagedWorkload, type WorkloadIdentity } from '@sockerless/sdk';
import { describeBatches, type AwsApi, type Task } from './aws';
import { awsErrorName } from './errors';
import { ownedBy, TAG, tagMap } from './tags';
import { argvOf, CONTAINER_NAME, exitStatusOf, FAMILY_PREFIX } from './task-definition';

/** Parallel DescribeTaskDefinition calls while listing (one per container). */
const DESCRIBE_CONCURRENCY = 8;

export interface TaskDefinitionInfo {
  arn: string;
  containerId: string;
  identity: WorkloadIdentity;
}

/**
 * What ECS alone says about this instance's containers: their task definitions (made at create) and
 * tasks (made at each start), matched by the `sockerless-container-id` tag. It is what recovery reads.
 */
export class Inventory {
  constructor(private readonly api: AwsApi, private readonly cluster: string, private readonly instance: string) {}

  async list(): Promise<ManagedWorkload[]> {
    const [definitions, tasks] = await Promise.all([this.taskDefinitions(), this.tasks()]);
    const newest = newestTaskByContainer(tasks);
    // A container exists while its task definition is ACTIVE: `docker rm` deregisters it, while ECS keeps
    // the stopped tasks of a removed container for a while, and those must not bring it back.
    return [...definitions.keys()].map((id) => {
      const task = newest.get(id);
      const running = !!task && task.lastStatus !== 'STOPPED';
      return { id, running, identity: { ...definitions.get(id)!.identity, ...(task ? taskTimes(task) : {}) } };
    });
  }

  /** The ACTIVE task definitions (of one family, or all of Sockerless's) that this instance made, by container id. */
  async taskDefinitions(family?: string): Promise<Map<string, TaskDefinitionInfo>> {
    const arns = await this.api.listTaskDefinitions(family ? { family } : { familyStart: FAMILY_PREFIX });
    const out = new Map<string, TaskDefinitionInfo>();
    await forEachLimited(arns, DESCRIBE_CONCURRENCY, async (arn) => {
      let described;
      try {
        described = await this.api.describeTaskDefinition(arn);
      } catch (err) {
        if (isGone(err)) return; // deregistered since it was listed
        throw err;
      }
      const tags = tagMap(described.tags);
      const identity = identityFromTags(tags);
      if (!identity || !ownedBy(tags, this.instance)) return;
      const containerId = tags.get(TAG.containerId)!;
      const main = described.taskDefinition?.containerDefinitions?.find((c) => c.name === CONTAINER_NAME);
      const prior = out.get(containerId);
      // Several ACTIVE revisions of one family: the newest describes the container.
      if (prior && revisionOf(prior.arn) > revisionOf(arn)) return;
      out.set(containerId, { arn, containerId, identity: { ...identity, argv: argvOf(main) } });
    });
    return out;
  }

  /** This instance's tasks of the cluster (running and stopped), optionally of one family. */
  async tasks(family?: string): Promise<Task[]> {
    let arns: string[];
    try {
      const [running, stopped] = await Promise.all([
        this.api.listTasks(this.cluster, 'RUNNING', family),
        this.api.listTasks(this.cluster, 'STOPPED', family),
      ]);
      arns = [...new Set([...running, ...stopped])];
    } catch (err) {
      // No cluster yet: this instance has never started a task.
      if (awsErrorName(err) === 'ClusterNotFoundException') return [];
      throw err;
    }
    const described = await Promise.all(describeBatches(arns).map((b) => this.api.describeTasks(this.cluster, b)));
    return described.flatMap((d) => d.tasks).filter((t) => ownedBy(tagMap(t.tags), this.instance));
  }

  /** The newest task of one container, or undefined when ECS has none (any more). */
  async newestTask(containerId: string, family: string): Promise<Task | undefined> {
    return newestTaskByContainer(await this.tasks(family)).get(containerId);
  }
}

export function newestTaskByContainer(tasks: Task[]): Map<string, Task> {
  const out = new Map<string, Task>();
  for (const task of tasks) {
    const id = tagMap(task.tags).get(TAG.containerId);
    if (!id) continue;
    const prior = out.get(id);
    if (!prior || startNumber(task) > startNumber(prior) || (startNumber(task) === startNumber(prior) && time(task.createdAt) > time(prior.createdAt))) out.set(id, task);
  }
  return out;
}

/** The `sockerless-start` tag: the how-manieth start of its container the task is. */
export function startNumber(task: Task): number {
  return Number(tagMap(task.tags).get(TAG.start) ?? 0) || 0;
}

function taskTimes(task: Task): Partial<WorkloadIdentity> {
  const stopped = task.lastStatus === 'STOPPED';
  return {
    ...(task.startedAt ? { startedAt: task.startedAt.toISOString() } : {}),
    ...(stopped && task.stoppedAt ? { finishedAt: task.stoppedAt.toISOString() } : {}),
    // The same code a live run of the task reports (125 for a task that never started), not a second rule.
    ...(stopped ? { exitCode: exitStatusOf(task).exitCode } : {}),
  };
}

function revisionOf(arn: string): number {
  return Number(arn.slice(arn.lastIndexOf(':') + 1)) || 0;
}

function time(d: Date | undefined): number {
  return d ? d.getTime() : 0;
}

export function isGone(err: unknown): boolean {
  const name = awsErrorName(err);
  const message = (err as Error)?.message ?? '';
  return name === 'ResourceNotFoundException' || ((name === 'ClientException' || name === 'InvalidParameterException') && /not (exist|found)|unable to describe|inactive/i.test(message));
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
