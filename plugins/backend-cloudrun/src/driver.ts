import {
  AgentBackedDriver, AgentChannel, ExecutionBook, isSockerlessError, NotFoundError, resolveCloudConnection,
  type AgentServer, type BackendDriver, type TrackedExecution, type BackendDriverContext,
  type Logger, type ManagedWorkload, type SimulatorDirectory, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';
import { AGENT_WAIT_MS, executionProcess, type ExecutionHandle } from './execution-process';
import { checkSupported, jobBody, jobIdOf, toEnvVar } from './job';
import { identityLabels } from './labels';
import { Inventory } from './inventory';
import type { CloudRunOptions } from './options';
import { CloudRunApi } from './run-api';

export interface CloudRunDriverServices {
  agents: AgentServer;
  simulators: SimulatorDirectory;
}

/** The project a simulator gets when the options and the environment name none. */
export const OFF_GOOGLE_PROJECT = 'sockerless';

/** The factory's create: resolves the endpoint and the project, loads the clients. */
export async function createCloudRunDriver(ctx: BackendDriverContext<CloudRunOptions>, services: CloudRunDriverServices): Promise<CloudRunDriver> {
  const o = ctx.options;
  let endpoint: string | undefined;
  try {
    ({ endpoint } = resolveCloudConnection(o, services.simulators));
  } catch (err) {
    throw new Error(`backend '${ctx.instanceName}': options.simulator: ${(err as Error).message}`);
  }
  const project = o.project ?? process.env.GOOGLE_CLOUD_PROJECT ?? (endpoint ? OFF_GOOGLE_PROJECT : undefined);
  if (!project) throw new Error(`backend '${ctx.instanceName}': options.project: name the Google Cloud project the jobs run in (or set GOOGLE_CLOUD_PROJECT)`);
  const api = await CloudRunApi.open({ project, region: o.region, endpoint }, o.maxAttempts, ctx.tracer);
  ctx.logger.info('cloudrun backend ready', { instance: ctx.instanceName, project, region: o.region, endpoint: endpoint ?? 'google', agent: o.agent });
  return new CloudRunDriver(ctx.instanceName, o, api, ctx.logger, services.agents);
}

/**
 * Docker containers as Cloud Run jobs: a job per container (made at create, with the container's identity in
 * its labels), an execution of one task per start, output from Cloud Logging, stop and kill through the
 * workload agent or by cancelling the execution.
 */
export class CloudRunDriver extends AgentBackedDriver implements BackendDriver {
  readonly kind = 'cloudrun';
  private readonly executions = new ExecutionBook();
  private readonly inventory: Inventory;
  protected readonly agent: AgentChannel;

  constructor(
    private readonly instance: string,
    private readonly options: CloudRunOptions,
    private readonly api: CloudRunApi,
    private readonly logger: Logger,
    private readonly agents: AgentServer,
  ) {
    super();
    this.inventory = new Inventory(api, instance);
    this.agent = new AgentChannel({
      agents, enabled: options.agent, cloud: 'Cloud Run', unit: 'task', cloudCanOnly: 'Cloud Run can only cancel an execution',
      waitMs: AGENT_WAIT_MS, isRunning: async (id) => !!(await this.runningExecution(id)), logger,
    });
  }

  async create(spec: WorkloadSpec): Promise<void> {
    checkSupported(spec);
    const labels = identityLabels(spec, this.instance, new Date().toISOString());
    const agentEnv = this.options.agent ? (await this.agents.grant(spec.id)).env : [];
    const jobId = jobIdOf(spec.id);
    try {
      await this.api.createJob(jobId, jobBody({ spec, options: this.options, labels, agentEnv }));
    } catch (err) {
      // A retry of a CreateJob whose first answer was lost finds the job that attempt made: it is this create's.
      if (isSockerlessError(err) && err.code === 'Conflict' && await this.jobHasLabels(jobId, labels)) return;
      // A create cut off after Cloud Run made the job (a timeout, a lost answer) must not leave it behind.
      if (!isSockerlessError(err) || (err.code !== 'NotFound' && err.code !== 'InvalidArgument' && err.code !== 'Conflict')) {
        await this.api.deleteJob(this.api.jobName(jobId)).catch(() => undefined);
      }
      throw err;
    }
  }

  /** Whether the job exists with exactly these labels (the creation time among them: made by this very create). */
  private async jobHasLabels(jobId: string, labels: Record<string, string>): Promise<boolean> {
    const job = await this.api.getJob(this.api.jobName(jobId)).catch(() => undefined);
    return !!job && Object.entries(labels).every(([k, v]) => job.labels?.[k] === v);
  }

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const job = this.api.jobName(jobIdOf(spec.id));
    // With the agent, the run's env override carries this daemon's grant: the job may have been made by a
    // daemon before a restart (another agent port) or on another home (another secret).
    const env = this.options.agent ? (await this.agents.grant(spec.id)).env.map(toEnvVar) : undefined;
    let name: string;
    try {
      name = await this.api.runJob(job, env);
    } catch (err) {
      if (!isSockerlessError(err) || err.code !== 'NotFound') throw err;
      // The job is gone (deleted by hand, or a create that failed): make it again.
      await this.create(spec);
      name = await this.api.runJob(job, env);
    }
    return this.follow(spec.id, name, { openStdin: spec.openStdin }).process;
  }

  async signal(id: string, signal: string): Promise<void> {
    const execution = await this.runningExecution(id);
    if (!execution) throw new NotFoundError(`container ${id} has no running Cloud Run execution`);
    const outcome = await this.agent.signal(id, signal);
    if (outcome === 'delivered') {
      execution.handle?.wake();
      return;
    }
    execution.endedBy ??= outcome;
    try {
      await this.api.cancelExecution(execution.name);
    } catch (err) {
      // An execution that ended meanwhile answers FAILED_PRECONDITION: it is not running any more.
      if (isSockerlessError(err) && err.code === 'InvalidArgument') {
        const ended = await this.api.getExecution(execution.name).then((e) => e.conditions?.find((c) => c.type === 'Completed')?.message ?? '', () => '');
        throw new NotFoundError(`container ${id} has no running Cloud Run execution: ${err.message}${ended ? ` (${ended})` : ''}`);
      }
      throw err;
    }
    execution.handle?.wake();
  }

  async remove(id: string): Promise<void> {
    // A removed container's agent must not be served any more, whatever Google says below.
    this.agents.revoke(id);
    try {
      // Cloud Run cancels and deletes the job's executions with it.
      await this.api.deleteJob(this.api.jobName(jobIdOf(id)));
    } catch (err) {
      if (!isSockerlessError(err) || err.code !== 'NotFound') throw err;
    }
    this.executions.forget(id);
  }

  list(): Promise<ManagedWorkload[]> {
    return this.inventory.list();
  }

  async reattach(id: string, opts: { logsSince?: Date }): Promise<WorkloadProcess | undefined> {
    const execution = await this.runningExecution(id);
    if (!execution) return undefined;
    return this.follow(id, execution.name, { openStdin: false, logsSince: opts.logsSince?.toISOString() }).process;
  }

  async close(): Promise<void> {
    this.executions.stopAll();
    await this.api.close();
  }

  private follow(id: string, name: string, opts: { openStdin: boolean; logsSince?: string }): ExecutionHandle {
    return this.executions.follow(id, name, (entry) => executionProcess({
      api: this.api,
      containerId: id,
      execution: name,
      poll: this.options.pollIntervalMs,
      logger: this.logger,
      agents: this.options.agent ? this.agents : undefined,
      openStdin: opts.openStdin,
      logsSince: opts.logsSince,
      cancelledBy: entry.endedBy,
      onFinished: entry.onFinished,
    }));
  }

  /** The container's running execution, from memory or (after a restart) from its job's latest execution. */
  private runningExecution(id: string): Promise<TrackedExecution | undefined> {
    return this.executions.running(id, () => this.inventory.latestExecution(jobIdOf(id)));
  }
}
