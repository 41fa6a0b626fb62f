import type { SimContext } from '../context';
import { AwsError } from '../errors';
import { epochSeconds, type Json } from '../wire';

export interface Tag { key: string; value: string }

export interface Cluster {
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: Tag[];
  createdAt: number;
}

export interface TaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  registeredAt: number;
  deregisteredAt?: number;
  /** The request as given (without tags), returned as the definition's body. */
  input: Json;
  tags: Tag[];
}

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';

export interface TaskContainer {
  containerArn: string;
  name: string;
  image: string;
  essential: boolean;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  reason?: string;
}

export interface Task {
  id: string;
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  launchType: string;
  cpu?: string;
  memory?: string;
  group: string;
  startedBy?: string;
  overrides: Json;
  networkConfiguration?: Json;
  enableExecuteCommand: boolean;
  containers: TaskContainer[];
  tags: Tag[];
  version: number;
  stopCode?: string;
  stoppedReason?: string;
  /** Epoch milliseconds here; the wire carries epoch seconds. */
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
}

interface Snapshot {
  clusters: Cluster[];
  taskDefinitions: TaskDefinition[];
  tasks: Task[];
  clientTokens: Array<[string, string[]]>;
}

/** Stopped tasks kept describable (real ECS keeps them about an hour); the oldest go first. */
const MAX_STOPPED_TASKS = 1000;

const RESTART_STOP_REASON = 'Task stopped because the simulator restarted';

/** ECS's state: clusters, task definitions by family, tasks by id, RunTask client tokens. */
export class EcsState {
  readonly clusters = new Map<string, Cluster>();
  readonly families = new Map<string, TaskDefinition[]>();
  readonly tasks = new Map<string, Task>();
  readonly clientTokens = new Map<string, string[]>();

  constructor(private readonly ctx: SimContext) {
    const snap = ctx.persist.load<Snapshot>('ecs');
    for (const c of snap?.clusters ?? []) this.clusters.set(c.clusterName, c);
    for (const d of snap?.taskDefinitions ?? []) {
      const revs = this.families.get(d.family) ?? [];
      revs[d.revision - 1] = d;
      this.families.set(d.family, revs);
    }
    const now = Date.now();
    let endedByRestart = false;
    for (const t of snap?.tasks ?? []) {
      // Whatever ran went down with the simulator; it is reported as ended by the host going away.
      if (t.lastStatus !== 'STOPPED') {
        endedByRestart = true;
        Object.assign(t, {
          lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: t.stopCode ?? 'TerminationNotice',
          stoppedReason: t.stoppedReason ?? RESTART_STOP_REASON, stoppingAt: t.stoppingAt ?? now, executionStoppedAt: now, stoppedAt: now,
        });
        for (const c of t.containers) {
          if (c.lastStatus !== 'STOPPED') Object.assign(c, { lastStatus: 'STOPPED', reason: c.reason ?? RESTART_STOP_REASON });
        }
        t.version += 1;
      }
      this.tasks.set(t.id, t);
    }
    for (const [token, ids] of snap?.clientTokens ?? []) this.clientTokens.set(token, ids);
    if (endedByRestart) this.changed();
  }

  arn(resource: string): string {
    return this.ctx.arn('ecs', resource);
  }

  changed(): void {
    this.ctx.persist.changed('ecs', () => this.snapshot());
  }

  /** A cluster by name or ARN; `default` when none is given, as ECS does. */
  cluster(ref: string | undefined): Cluster {
    const c = this.clusters.get(clusterName(ref ?? 'default'));
    if (!c || c.status !== 'ACTIVE') throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return c;
  }

  /** `family`, `family:revision` or an ARN; a bare family is its latest ACTIVE revision. */
  findTaskDefinition(ref: string): TaskDefinition | undefined {
    const m = /^(?:arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\/)?([A-Za-z0-9_-]+)(?::(\d+))?$/.exec(ref);
    if (!m) return undefined;
    const revs = this.families.get(m[1]) ?? [];
    if (m[2] !== undefined) return revs[Number(m[2]) - 1];
    for (let i = revs.length - 1; i >= 0; i--) if (revs[i]?.status === 'ACTIVE') return revs[i];
    return undefined;
  }

  /** A task of `cluster` by ARN or id. */
  findTask(ref: string, cluster: Cluster): Task | undefined {
    const id = ref.includes('/') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
    const t = this.tasks.get(id);
    return t && t.clusterArn === cluster.clusterArn ? t : undefined;
  }

  /** Forgets the oldest stopped tasks beyond MAX_STOPPED_TASKS. */
  prune(): void {
    const stopped = [...this.tasks.values()].filter((t) => t.lastStatus === 'STOPPED');
    if (stopped.length <= MAX_STOPPED_TASKS) return;
    stopped.sort((a, b) => (a.stoppedAt ?? 0) - (b.stoppedAt ?? 0));
    for (const t of stopped.slice(0, stopped.length - MAX_STOPPED_TASKS)) this.tasks.delete(t.id);
    for (const [token, ids] of this.clientTokens) if (ids.every((id) => !this.tasks.has(id))) this.clientTokens.delete(token);
  }

  private snapshot(): Snapshot {
    return {
      clusters: [...this.clusters.values()],
      taskDefinitions: [...this.families.values()].flatMap((revs) => revs.filter(Boolean)),
      tasks: [...this.tasks.values()],
      clientTokens: [...this.clientTokens.entries()],
    };
  }
}

/** A cluster reference's name: the name itself, or the part of a cluster ARN after `cluster/`. */
export function clusterName(ref: string): string {
  return ref.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\//, '');
}

/** A task as DescribeTasks answers it (timestamps in epoch seconds). */
export function taskView(t: Task, withTags: boolean): Json {
  const secs = (ms: number | undefined) => (ms === undefined ? undefined : epochSeconds(ms));
  const attachmentId = `eni-attach-${t.id.slice(0, 17)}`;
  return {
    taskArn: t.taskArn, clusterArn: t.clusterArn, taskDefinitionArn: t.taskDefinitionArn,
    lastStatus: t.lastStatus, desiredStatus: t.desiredStatus, launchType: t.launchType, platformVersion: '1.4.0', platformFamily: 'Linux',
    cpu: t.cpu, memory: t.memory, group: t.group, startedBy: t.startedBy, overrides: t.overrides, version: t.version,
    enableExecuteCommand: t.enableExecuteCommand, availabilityZone: 'us-east-1a', connectivity: t.startedAt ? 'CONNECTED' : undefined,
    stopCode: t.stopCode, stoppedReason: t.stoppedReason, healthStatus: 'UNKNOWN',
    createdAt: secs(t.createdAt), pullStartedAt: secs(t.pullStartedAt), pullStoppedAt: secs(t.pullStoppedAt), startedAt: secs(t.startedAt),
    stoppingAt: secs(t.stoppingAt), executionStoppedAt: secs(t.executionStoppedAt), stoppedAt: secs(t.stoppedAt),
    // Workloads share the host's network, so the task's address is the loopback one.
    attachments: t.networkConfiguration ? [{
      id: attachmentId, type: 'ElasticNetworkInterface', status: t.lastStatus === 'STOPPED' ? 'DELETED' : 'ATTACHED',
      details: [{ name: 'privateIPv4Address', value: '127.0.0.1' }, ...subnetDetail(t.networkConfiguration)],
    }] : [],
    containers: t.containers.map((c) => ({
      containerArn: c.containerArn, taskArn: t.taskArn, name: c.name, image: c.image, lastStatus: c.lastStatus,
      exitCode: c.exitCode, reason: c.reason, healthStatus: 'UNKNOWN',
      networkInterfaces: t.networkConfiguration ? [{ attachmentId, privateIpv4Address: '127.0.0.1' }] : [],
    })),
    tags: withTags ? t.tags : undefined,
  };
}

function subnetDetail(net: Json): Array<{ name: string; value: string }> {
  const subnets = (net.awsvpcConfiguration as { subnets?: unknown } | undefined)?.subnets;
  return Array.isArray(subnets) && typeof subnets[0] === 'string' ? [{ name: 'subnetId', value: subnets[0] }] : [];
}
