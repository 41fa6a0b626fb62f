import {
  AGENT_WAIT_MS, AgentBackedDriver, AgentChannel, NotFoundError, UnavailableError, resolveCloudConnection,
  type AgentServer, type BackendDriver, type BackendDriverContext,
  type Logger, type ManagedWorkload, type SimulatorDirectory, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';
import { AwsApi, type Tag, type Task } from './aws';
import { awsErrorName, mapAwsError } from './errors';
import { Inventory, isGone, startNumber } from './inventory';
import { fargateSizeProblem, type EcsOptions } from './options';
import { PollLoop } from './poll-loop';
import { identityTags, TAG, tagMap } from './tags';
import { checkSupported, CONTAINER_NAME, familyOf, logStreamOf, taskDefinitionInput, toKeyValue } from './task-definition';
import { taskProcess } from './workload-process';

const STOP_REASON = 'docker kill/stop via Sockerless';
/** Cleanup after a failed create retries a throttled call this many times, backing off. */
const CLEANUP_ATTEMPTS = 5;

/** What the driver remembers of one container; rebuilt from ECS when the daemon restarted. */
interface ContainerState {
  /** Undefined when create failed before anything was made in AWS. */
  taskDefinitionArn?: string;
  /** The identity tags of the task definition, copied to each task. */
  tags: Tag[];
  starts: number;
  task?: { arn: string; stopped: boolean };
}

export interface EcsDriverServices {
  agents: AgentServer;
  simulators: SimulatorDirectory;
}

/** The subnet tasks name off AWS when the options give none. */
export const OFF_AWS_SUBNET = 'subnet-sockerless-simulator';
/** The task execution role definitions name off AWS when the options give none. */
export const OFF_AWS_EXECUTION_ROLE = 'arn:aws:iam::000000000000:role/sockerless-simulator-execution';

/** The factory's create: resolves the endpoint and credentials, loads the SDK, checks the task size. */
export async function createEcsDriver(ctx: BackendDriverContext<EcsOptions>, services: EcsDriverServices): Promise<EcsDriver> {
  const o = ctx.options;
  const problem = fargateSizeProblem(o.cpu, Number(o.memory));
  if (problem) throw new Error(`backend '${ctx.instanceName}': options cpu/memory: ${problem}`);
  const { endpoint, credentials } = resolveCloudConnection(o, services.simulators);
  if (!endpoint && o.subnets.length === 0) {
    throw new Error(`backend '${ctx.instanceName}': options.subnets: Fargate tasks (awsvpc) need at least one subnet`);
  }
  if (!endpoint && !o.executionRoleArn) {
    throw new Error(`backend '${ctx.instanceName}': options.executionRoleArn: Fargate sends awslogs output with the task execution role; name one (e.g. arn:aws:iam::ACCOUNT:role/ecsTaskExecutionRole)`);
  }
  const api = await AwsApi.open({ region: o.region, endpoint, credentials, maxAttempts: o.maxAttempts }, ctx.tracer);
  ctx.logger.info('ecs backend ready', { instance: ctx.instanceName, cluster: o.cluster, endpoint: endpoint ?? 'aws', agent: o.agent });
  // ECS refuses an awsvpc RunTask without subnets ("subnets can not be empty.") and an awslogs Fargate definition
  // without an execution role, and so does the simulator: off AWS, with none configured, placeholders stand in
  // (a simulator has no VPC or IAM to check them against).
  const options = endpoint ? { ...o, subnets: o.subnets.length ? o.subnets : [OFF_AWS_SUBNET], executionRoleArn: o.executionRoleArn ?? OFF_AWS_EXECUTION_ROLE } : o;
  return new EcsDriver(ctx.instanceName, options, api, ctx.logger, services.agents);
}

export class EcsDriver extends AgentBackedDriver implements BackendDriver {
  readonly kind = 'ecs';
  private readonly containers = new Map<string, ContainerState>();
  private readonly loop: PollLoop;
  private readonly inventory: Inventory;
  protected readonly agent: AgentChannel;
  private infra?: Promise<void>;

  constructor(
    private readonly instance: string,
    private readonly options: EcsOptions,
    private readonly api: AwsApi,
    private readonly logger: Logger,
    private readonly agents: AgentServer,
  ) {
    super();
    this.loop = new PollLoop(api, options.cluster, options.pollIntervalMs, logger);
    this.inventory = new Inventory(api, options.cluster, instance);
    this.agent = new AgentChannel({
      agents, enabled: options.agent, cloud: 'ECS', unit: 'task', cloudCanOnly: 'ECS can only stop a task (StopTask sends SIGTERM, then SIGKILL)',
      waitMs: AGENT_WAIT_MS, logger,
      isRunning: async (id) => {
        const task = this.containers.has(id) ? this.containers.get(id)!.task : (await this.recoverState(id))?.task;
        return !!task && !task.stopped;
      },
    });
  }

  async create(spec: WorkloadSpec): Promise<void> {
    checkSupported(spec);
    const tags = identityTags(spec, this.instance, new Date().toISOString());
    const agentEnv = this.options.agent ? (await this.agents.grant(spec.id)).env : [];
    const input = taskDefinitionInput({ spec, options: this.options, tags, agentEnv });
    this.containers.set(spec.id, { tags, starts: 0 });
    // The cluster and log group are needed only at start; make them alongside, once per driver.
    const [registered, infra] = await Promise.allSettled([this.api.registerTaskDefinition(input), this.ensureInfra()]);
    if (registered.status === 'rejected') throw mapAwsError('ecs', registered.reason);
    const arn = registered.value.taskDefinitionArn!;
    if (infra.status === 'rejected') {
      // Nothing may be left behind by a create that failed.
      await this.cleanup(() => this.api.deregisterTaskDefinition(arn), `deregister ${arn}`);
      throw infra.reason;
    }
    this.containers.get(spec.id)!.taskDefinitionArn = arn;
  }

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    let state = this.containers.get(spec.id);
    if (!state?.taskDefinitionArn) state = await this.recoverState(spec.id);
    if (!state?.taskDefinitionArn) {
      // The task definition is gone (removed by hand, or a create that failed): make it again.
      await this.create(spec);
      state = this.containers.get(spec.id)!;
    }
    await this.ensureInfra();
    const start = ++state.starts;
    const o = this.options;
    // With the agent, this daemon's grant goes in an env override: the task definition may have been made by a
    // daemon before a restart (another agent port) or on another home (another secret).
    const grant = o.agent ? (await this.agents.grant(spec.id)).env : [];
    let out;
    try {
      out = await this.api.runTask({
        cluster: o.cluster,
        taskDefinition: state.taskDefinitionArn,
        launchType: 'FARGATE',
        count: 1,
        // awsvpc wants a network configuration with subnets (from the options; off AWS a placeholder, see createEcsDriver).
        networkConfiguration: { awsvpcConfiguration: { subnets: o.subnets, securityGroups: o.securityGroups.length ? o.securityGroups : undefined, assignPublicIp: o.assignPublicIp ? 'ENABLED' : 'DISABLED' } },
        tags: [...state.tags, { key: TAG.start, value: String(start) }],
        ...(grant.length ? { overrides: { containerOverrides: [{ name: CONTAINER_NAME, environment: grant.map(toKeyValue) }] } } : {}),
        // ECS allows 64 characters: 32 hex of the id keep it unique; the start number makes each start new.
        clientToken: `${spec.id.slice(0, 32)}-${start}`,
      });
    } catch (err) {
      throw mapAwsError('ecs', err);
    }
    const failure = out.failures?.[0];
    const arn = out.tasks?.[0]?.taskArn;
    if (failure || !arn) {
      throw new UnavailableError(`ecs: RunTask failed: ${failure ? `${failure.reason ?? 'unknown'}${failure.detail ? `: ${failure.detail}` : ''}` : 'no task in the answer'}`);
    }
    state.task = { arn, stopped: false };
    return this.processOf(spec.id, arn, { openStdin: spec.openStdin });
  }

  async signal(id: string, signal: string): Promise<void> {
    const task = await this.runningTask(id);
    if (!task) throw new NotFoundError(`container ${id} has no running ECS task`);
    // A signal right after the start waits for the agent: StopTask instead would turn a SIGKILL into ECS's
    // SIGTERM first (143, not Docker's 137), and lose any other signal.
    if (await this.agent.signal(id, signal) === 'delivered') {
      this.loop.wake();
      return;
    }
    try {
      await this.api.stopTask(this.options.cluster, task, STOP_REASON);
    } catch (err) {
      throw mapAwsError('ecs', err);
    }
    this.loop.wake();
  }

  async remove(id: string): Promise<void> {
    // A removed container's agent must not be served any more, whatever AWS says below.
    this.agents.revoke(id);
    const state = this.containers.get(id);
    if (state && !state.taskDefinitionArn && !state.task) {
      this.containers.delete(id);
      return; // create failed before AWS had anything
    }
    try {
      const running = await this.runningTask(id);
      if (running) await this.api.stopTask(this.options.cluster, running, STOP_REASON).catch((err) => { if (!isGone(err)) throw err; });
      const arns = state?.taskDefinitionArn ? [state.taskDefinitionArn] : await this.api.listTaskDefinitions({ family: familyOf(id) });
      for (const arn of arns) await this.api.deregisterTaskDefinition(arn).catch((err) => { if (!isGone(err)) throw err; });
    } catch (err) {
      throw mapAwsError('ecs', err);
    }
    this.containers.delete(id);
  }

  async list(): Promise<ManagedWorkload[]> {
    try {
      return await this.inventory.list();
    } catch (err) {
      throw mapAwsError('ecs', err);
    }
  }

  async reattach(id: string, opts: { logsSince?: Date }): Promise<WorkloadProcess | undefined> {
    const state = await this.recoverState(id);
    if (!state?.task) return undefined;
    return this.processOf(id, state.task.arn, { openStdin: false, logsSince: opts.logsSince?.getTime() });
  }

  async close(): Promise<void> {
    this.loop.close();
    this.api.close();
  }

  private processOf(id: string, taskArn: string, opts: { openStdin: boolean; logsSince?: number }): WorkloadProcess {
    return taskProcess({
      containerId: id,
      taskArn,
      logGroup: this.options.logGroup,
      logStream: logStreamOf(this.options.logStreamPrefix, taskArn),
      loop: this.loop,
      poll: this.options.pollIntervalMs,
      logger: this.logger,
      agents: this.options.agent ? this.agents : undefined,
      openStdin: opts.openStdin,
      logsSince: opts.logsSince,
      onStopped: () => {
        const task = this.containers.get(id)?.task;
        if (task?.arn === taskArn) task.stopped = true;
      },
    });
  }

  /** The ARN of the container's running task, from memory or (after a restart) from ECS. */
  private async runningTask(id: string): Promise<string | undefined> {
    const known = this.containers.get(id);
    if (known?.task) return known.task.stopped ? undefined : known.task.arn;
    if (known?.taskDefinitionArn) return undefined; // created by this daemon and never started
    const state = await this.recoverState(id);
    return state?.task && !state.task.stopped ? state.task.arn : undefined;
  }

  /** Rebuilds what the driver knows of a container from its task definition and newest task in ECS. */
  private async recoverState(id: string): Promise<ContainerState | undefined> {
    let definition;
    let task: Task | undefined;
    try {
      [definition, task] = await Promise.all([
        this.inventory.taskDefinitions(familyOf(id)).then((d) => d.get(id)),
        this.inventory.newestTask(id, familyOf(id)),
      ]);
    } catch (err) {
      throw mapAwsError('ecs', err);
    }
    if (!definition && !task) return undefined;
    const source = tagMap(task?.tags);
    const tags = [...source.entries()].filter(([key]) => key !== TAG.start).map(([key, value]) => ({ key, value }));
    const state: ContainerState = {
      taskDefinitionArn: definition?.arn,
      tags,
      starts: task ? startNumber(task) : 0,
      task: task?.taskArn ? { arn: task.taskArn, stopped: task.lastStatus === 'STOPPED' } : undefined,
    };
    if (definition && !task) {
      const described = await this.api.describeTaskDefinition(definition.arn).catch((err) => { throw mapAwsError('ecs', err); });
      state.tags = described.tags ?? [];
    }
    this.containers.set(id, state);
    return state;
  }

  /** The cluster (made when missing) and the log group, once per driver; a failure is retried next time. */
  private ensureInfra(): Promise<void> {
    this.infra ??= (async () => {
      const cluster = this.options.cluster;
      await Promise.all([
        (async () => {
          const status = await this.api.clusterStatus(cluster).catch((err) => { throw mapAwsError('ecs', err); });
          if (status === 'ACTIVE') return;
          this.logger.info('ecs: creating the cluster', { cluster });
          await this.api.createCluster(cluster, [{ key: TAG.managed, value: 'true' }]).catch((err) => { throw mapAwsError('ecs', err); });
        })(),
        this.api.ensureLogGroup(this.options.logGroup).catch((err) => { throw mapAwsError('logs', err); }),
      ]);
    })().catch((err) => {
      this.infra = undefined;
      throw err;
    });
    return this.infra;
  }

  private async cleanup(call: () => Promise<void>, what: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (isGone(err)) return;
        const retry = awsErrorName(err) === 'ThrottlingException' && attempt < CLEANUP_ATTEMPTS;
        if (!retry) {
          this.logger.error('ecs: cleanup after a failed create did not finish', { what, err: (err as Error).message });
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}
