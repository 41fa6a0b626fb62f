import { probeAzureEndpoint } from '@sockerless/cloud-azure';
import {
  AGENT_WAIT_MS, isSockerlessError, JobExecutionDriver,
  type AgentServer, type BackendDriver, type BackendDriverContext, type ExecutionPoll, type FollowReason,
  type Logger, type ManagedWorkload, type SimulatorDirectory, type WorkloadSpec,
} from '@sockerless/sdk';
import { AcaApi, isFinished, type ExecutionView } from './aca-api';
import { executionPoll } from './execution-process';
import { Inventory } from './inventory';
import { checkSupported, jobBody, jobNameOf, jobTags, mainContainer } from './job';
import type { AcaOptions } from './options';
import { resolveAcaPlace } from './place';

export interface AcaDriverServices {
  agents: AgentServer;
  simulators: SimulatorDirectory;
}

/** Console lines are asked for from a little before the start: this host's clock and Azure's are not one clock. */
const LOG_CLOCK_SKEW_MS = 60_000;

/** The factory's create: resolves the endpoint, the CA and the subscription, checks TLS, loads the clients, finds the environment. */
export async function createAcaDriver(ctx: BackendDriverContext<AcaOptions>, services: AcaDriverServices): Promise<AcaDriver> {
  const o = ctx.options;
  const { place, provision } = resolveAcaPlace(ctx.instanceName, o, services.simulators);
  await probeAzureEndpoint(place).catch((err: Error) => { throw new Error(`backend '${ctx.instanceName}': ${err.message}`); });
  const api = await AcaApi.open(place, o.maxAttempts, ctx.tracer);
  await api.resolveEnvironment(provision);
  if (!api.workspaceId) ctx.logger.warn('aca: the environment sends its logs to no Log Analytics workspace: containers will show no output', { instance: ctx.instanceName, environment: place.environment });
  ctx.logger.info('aca backend ready', { instance: ctx.instanceName, subscription: place.subscription, resourceGroup: place.resourceGroup, environment: place.environment, endpoint: place.endpoint ?? 'azure', agent: o.agent });
  return new AcaDriver(ctx.instanceName, o, api, ctx.logger, services.agents);
}

/**
 * Docker containers as Container Apps jobs: a manual job per container (made at create, with the container's
 * identity in its tags), an execution of one replica per start, output from Log Analytics, stop and kill
 * through the workload agent or by stopping the execution.
 */
export class AcaDriver extends JobExecutionDriver<ExecutionView> implements BackendDriver {
  readonly kind = 'aca';
  private readonly inventory: Inventory;

  constructor(
    private readonly instance: string,
    private readonly options: AcaOptions,
    private readonly api: AcaApi,
    logger: Logger,
    agents: AgentServer,
  ) {
    super({
      agents, logger, poll: options.pollIntervalMs,
      channel: { enabled: options.agent, cloud: 'Container Apps', unit: 'replica', cloudCanOnly: 'Container Apps can only stop an execution', waitMs: AGENT_WAIT_MS },
    });
    this.inventory = new Inventory(api, instance);
  }

  async create(spec: WorkloadSpec): Promise<void> {
    checkSupported(spec);
    const tags = jobTags(spec, this.instance, new Date().toISOString());
    const agentEnv = this.options.agent ? (await this.agents.grant(spec.id)).env : [];
    const name = jobNameOf(spec.id);
    try {
      await this.api.createJob(name, jobBody({ spec, options: this.options, environmentId: this.api.environmentId, tags, agentEnv }));
    } catch (err) {
      // A job whose provisioning failed (an image ACA could not pull) stays behind as `Failed` on Azure, and a
      // create cut off after ARM took it (a timeout, a lost answer) may have made it: neither may stay.
      if (!isSockerlessError(err) || err.code !== 'Conflict') {
        await this.api.deleteJob(name).catch((e: Error) => this.logger.warn('aca: a half-made job could not be deleted', { job: name, err: e.message }));
      }
      throw err;
    }
  }

  list(): Promise<ManagedWorkload[]> {
    return this.inventory.list();
  }

  /** The start's template override carries the grant (see JobExecutionDriver.start). */
  protected runExecution(spec: WorkloadSpec, agentEnv: string[] | undefined): Promise<string> {
    return this.api.startJob(jobNameOf(spec.id), agentEnv ? { containers: [mainContainer(spec, this.options, agentEnv)] } : undefined);
  }

  protected endExecution(id: string, execution: string): Promise<void> {
    return this.api.stopExecution(jobNameOf(id), execution);
  }

  /** ACA stops the job's running executions with it. */
  protected deleteJob(id: string): Promise<void> {
    return this.api.deleteJob(jobNameOf(id));
  }

  protected async latestExecution(id: string): Promise<{ name: string; finished: boolean } | undefined> {
    const latest = await this.inventory.latestExecution(jobNameOf(id));
    return latest && { name: latest.name, finished: isFinished(latest) };
  }

  protected executionPoll(id: string, name: string, stoppedBy: () => 'SIGTERM' | 'SIGKILL' | undefined, reason: FollowReason): ExecutionPoll<ExecutionView> {
    const logsFrom = reason.logsSince ?? new Date((reason.startedAt ?? new Date()).getTime() - LOG_CLOCK_SKEW_MS);
    return executionPoll({ api: this.api, job: jobNameOf(id), execution: name, logsFrom, stoppedBy });
  }
}
