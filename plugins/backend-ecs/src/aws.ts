import type {
  Container, ContainerDefinition, DescribeTaskDefinitionCommandOutput, RegisterTaskDefinitionCommandInput, RunTaskCommandInput,
  RunTaskCommandOutput, Task, TaskDefinition, Tag,
} from '@aws-sdk/client-ecs';
import { awsClientConfig, importAwsSdk, LogStreamReader, traceAwsClient, type AwsConnection as CloudAwsConnection } from '@sockerless/cloud-aws';
import type { Tracer } from '@sockerless/sdk';

// Types only at the top: the SDK modules themselves are loaded by `AwsApi.open`, when a driver is created.
type EcsModule = typeof import('@aws-sdk/client-ecs');
type LogsModule = typeof import('@aws-sdk/client-cloudwatch-logs');

export type { Container, ContainerDefinition, Task, TaskDefinition, Tag };

/** The ECS backend always sets its attempts (the `maxAttempts` option). */
export type AwsConnection = CloudAwsConnection & { maxAttempts: number };

/** DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_TASKS_MAX = 100;

/** Task ARNs cut into DescribeTasks-sized batches. */
export function describeBatches(arns: string[]): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_MAX) batches.push(arns.slice(i, i + DESCRIBE_TASKS_MAX));
  return batches;
}

/**
 * The ECS and CloudWatch Logs calls the driver makes, on the official clients. Errors are the SDK's own
 * (`err.name` is AWS's code); callers map them with `mapAwsError` where they cross into the core.
 */
export class AwsApi {
  private constructor(
    private readonly ecsMod: EcsModule,
    private readonly logsMod: LogsModule,
    private readonly ecs: InstanceType<EcsModule['ECSClient']>,
    private readonly logs: InstanceType<LogsModule['CloudWatchLogsClient']>,
  ) {}

  /** Loads the SDK (about 0.1 s) and makes the two clients; with a tracer that is on, each call is a span. */
  static async open(conn: AwsConnection, tracer?: Tracer): Promise<AwsApi> {
    const [ecsMod, logsMod] = await importAwsSdk(() => import('@aws-sdk/client-ecs'), () => import('@aws-sdk/client-cloudwatch-logs'));
    const config = awsClientConfig(conn);
    const ecs = new ecsMod.ECSClient(config);
    const logs = new logsMod.CloudWatchLogsClient(config);
    traceAwsClient(ecs, tracer);
    traceAwsClient(logs, tracer);
    return new AwsApi(ecsMod, logsMod, ecs, logs);
  }

  close(): void {
    this.ecs.destroy();
    this.logs.destroy();
  }

  /** The cluster's status (`ACTIVE`, `INACTIVE`...) or undefined when ECS reports it MISSING. */
  async clusterStatus(cluster: string): Promise<string | undefined> {
    const out = await this.ecs.send(new this.ecsMod.DescribeClustersCommand({ clusters: [cluster] }));
    return out.clusters?.find((c) => c.clusterName === cluster || c.clusterArn?.endsWith(`/${cluster}`))?.status;
  }

  async createCluster(cluster: string, tags: Tag[]): Promise<void> {
    await this.ecs.send(new this.ecsMod.CreateClusterCommand({ clusterName: cluster, tags }));
  }

  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<TaskDefinition> {
    const out = await this.ecs.send(new this.ecsMod.RegisterTaskDefinitionCommand(input));
    if (!out.taskDefinition?.taskDefinitionArn) throw new Error('RegisterTaskDefinition answered without a taskDefinitionArn');
    return out.taskDefinition;
  }

  async deregisterTaskDefinition(arn: string): Promise<void> {
    await this.ecs.send(new this.ecsMod.DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
  }

  async describeTaskDefinition(taskDefinition: string): Promise<DescribeTaskDefinitionCommandOutput> {
    return this.ecs.send(new this.ecsMod.DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] }));
  }

  /**
   * ACTIVE task definition ARNs, all pages: of one family when `family` is given (ECS's `familyPrefix`
   * matches a whole family name, despite its name), else of every family starting with `familyStart`.
   */
  async listTaskDefinitions(filter: { family: string } | { familyStart: string }): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    const familyPrefix = 'family' in filter ? filter.family : undefined;
    do {
      const out = await this.ecs.send(new this.ecsMod.ListTaskDefinitionsCommand({ familyPrefix, status: 'ACTIVE', nextToken, maxResults: 100 }));
      arns.push(...(out.taskDefinitionArns ?? []));
      nextToken = out.nextToken || undefined;
    } while (nextToken);
    if ('family' in filter) return arns;
    return arns.filter((arn) => arn.slice(arn.indexOf(':task-definition/') + ':task-definition/'.length).startsWith(filter.familyStart));
  }

  async runTask(input: RunTaskCommandInput): Promise<RunTaskCommandOutput> {
    return this.ecs.send(new this.ecsMod.RunTaskCommand(input));
  }

  /** Up to DESCRIBE_TASKS_MAX tasks with their tags; unknown ARNs come back in `missing`. */
  async describeTasks(cluster: string, taskArns: string[]): Promise<{ tasks: Task[]; missing: string[] }> {
    const out = await this.ecs.send(new this.ecsMod.DescribeTasksCommand({ cluster, tasks: taskArns, include: ['TAGS'] }));
    return { tasks: out.tasks ?? [], missing: (out.failures ?? []).map((f) => f.arn ?? '').filter(Boolean) };
  }

  async stopTask(cluster: string, task: string, reason: string): Promise<void> {
    await this.ecs.send(new this.ecsMod.StopTaskCommand({ cluster, task, reason }));
  }

  /** Task ARNs of the cluster (optionally of one family) with that desired status, all pages. */
  async listTasks(cluster: string, desiredStatus: 'RUNNING' | 'STOPPED', family?: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.ecs.send(new this.ecsMod.ListTasksCommand({ cluster, family, desiredStatus, nextToken, maxResults: 100 }));
      arns.push(...(out.taskArns ?? []));
      nextToken = out.nextToken || undefined;
    } while (nextToken);
    return arns;
  }

  /** Creates the group; an existing one is fine. */
  async ensureLogGroup(logGroupName: string): Promise<void> {
    try {
      await this.logs.send(new this.logsMod.CreateLogGroupCommand({ logGroupName }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceAlreadyExistsException') throw err;
    }
  }

  /** A reader of one awslogs stream, forward from `startTime` (the whole stream when absent). */
  logStream(logGroupName: string, logStreamName: string, startTime?: number): LogStreamReader {
    return new LogStreamReader({ client: this.logs, sdk: this.logsMod }, logGroupName, logStreamName, startTime);
  }
}
