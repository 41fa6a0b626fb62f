import { googleProject } from '@sockerless/cloud-gcp';
import {
  AGENT_WAIT_MS, isSockerlessError, JobExecutionDriver, NotFoundError, resolveCloudConnection,
  type AgentServer, type BackendDriver, type BackendDriverContext, type ExecutionPoll, type FollowReason,
  type Logger, type ManagedWorkload, type SimulatorDirectory, type WorkloadSpec,
} from '@sockerless/sdk';
import { executionPoll } from './execution-process';
import { checkSupported, jobBody, jobIdOf, toEnvVar } from './job';
import { identityLabels } from './labels';
import { Inventory } from './inventory';
import type { CloudRunOptions } from './options';
import { CloudRunApi, type Execution } from './run-api';

export interface CloudRunDriverServices {
  agents: AgentServer;
  simulators: SimulatorDirectory;
}

/** The factory's create: resolves the endpoint and the project, loads the clients. */
export async function createCloudRunDriver(ctx: BackendDriverContext<CloudRunOptions>, services: CloudRunDriverServices): Promise<CloudRunDriver> {
  const o = ctx.options;
  let endpoint: string | undefined;
  try {
    ({ endpoint } = resolveCloudConnection(o, services.simulators));
  } catch (err) {
    throw new Error(`backend '${ctx.instanceName}': options.simulator: ${(err as Error).message}`);
  }
  const project = googleProject(o.project, endpoint);
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
export class CloudRunDriver extends JobExecutionDriver<Execution> implements BackendDriver {
  readonly kind = 'cloudrun';
  private readonly inventory: Inventory;

  constructor(
    private readonly instance: string,
    private readonly options: CloudRunOptions,
    private readonly api: CloudRunApi,
    logger: Logger,
    agents: AgentServer,
  ) {
    super({
      agents, logger, poll: options.pollIntervalMs,
      channel: { enabled: options.agent, cloud: 'Cloud Run', unit: 'task', cloudCanOnly: 'Cloud Run can only cancel an execution', waitMs: AGENT_WAIT_MS },
    });
    this.inventory = new Inventory(api, instance);
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

  list(): Promise<ManagedWorkload[]> {
    return this.inventory.list();
  }

  async close(): Promise<void> {
    await super.close();
    await this.api.close();
  }

  /** The run's env override carries the grant (see JobExecutionDriver.start). */
  protected runExecution(spec: WorkloadSpec, agentEnv: string[] | undefined): Promise<string> {
    return this.api.runJob(this.api.jobName(jobIdOf(spec.id)), agentEnv?.map(toEnvVar));
  }

  protected async endExecution(id: string, execution: string): Promise<void> {
    try {
      await this.api.cancelExecution(execution);
    } catch (err) {
      // An execution that ended meanwhile answers FAILED_PRECONDITION: it is not running any more.
      if (isSockerlessError(err) && err.code === 'InvalidArgument') {
        const ended = await this.api.getExecution(execution).then((e) => e.conditions?.find((c) => c.type === 'Completed')?.message ?? '', () => '');
        throw new NotFoundError(`container ${id} has no running Cloud Run execution: ${err.message}${ended ? ` (${ended})` : ''}`);
      }
      throw err;
    }
  }

  /** Cloud Run cancels and deletes the job's executions with it. */
  protected deleteJob(id: string): Promise<void> {
    return this.api.deleteJob(this.api.jobName(jobIdOf(id)));
  }

  protected latestExecution(id: string): Promise<{ name: string; finished: boolean } | undefined> {
    return this.inventory.latestExecution(jobIdOf(id));
  }

  protected executionPoll(id: string, name: string, cancelledBy: () => 'SIGTERM' | 'SIGKILL' | undefined, reason: FollowReason): ExecutionPoll<Execution> {
    return executionPoll({ api: this.api, execution: name, logger: this.logger, logsSince: reason.logsSince?.toISOString(), cancelledBy });
  }
}
