import { probeAzureEndpoint } from '@sockerless/cloud-azure';
import {
  AgentBackedDriver, AgentChannel, ExecutionBook, isSockerlessError, NotFoundError,
  type AgentServer, type BackendDriver, type TrackedExecution, type BackendDriverContext,
  type Logger, type ManagedWorkload, type SimulatorDirectory, type WorkloadProcess, type WorkloadSpec,
} from '@sockerless/sdk';
import { AcaApi, isFinished } from './aca-api';
import { AGENT_WAIT_MS, executionProcess, type ExecutionHandle } from './execution-process';
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
export class AcaDriver extends AgentBackedDriver implements BackendDriver {
  readonly kind = 'aca';
  private readonly executions = new ExecutionBook();
  private readonly inventory: Inventory;
  protected readonly agent: AgentChannel;

  constructor(
    private readonly instance: string,
    private readonly options: AcaOptions,
    private readonly api: AcaApi,
    private readonly logger: Logger,
    private readonly agents: AgentServer,
  ) {
    super();
    this.inventory = new Inventory(api, instance);
    this.agent = new AgentChannel({
      agents, enabled: options.agent, cloud: 'Container Apps', unit: 'replica', cloudCanOnly: 'Container Apps can only stop an execution',
      waitMs: AGENT_WAIT_MS, isRunning: async (id) => !!(await this.runningExecution(id)), logger,
    });
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

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const job = jobNameOf(spec.id);
    const from = new Date(Date.now() - LOG_CLOCK_SKEW_MS);
    // With the agent, the start's template override carries this daemon's grant: the job may have been made
    // by a daemon before a restart (another agent port) or on another home (another secret).
    const template = this.options.agent ? { containers: [mainContainer(spec, this.options, (await this.agents.grant(spec.id)).env)] } : undefined;
    let name: string;
    try {
      name = await this.api.startJob(job, template);
    } catch (err) {
      if (!isSockerlessError(err) || err.code !== 'NotFound') throw err;
      // The job is gone (deleted by hand, or a create that failed): make it again.
      await this.create(spec);
      name = await this.api.startJob(job, template);
    }
    return this.follow(spec.id, name, { openStdin: spec.openStdin, logsFrom: from }).process;
  }

  async signal(id: string, signal: string): Promise<void> {
    const execution = await this.runningExecution(id);
    if (!execution) throw new NotFoundError(`container ${id} has no running Container Apps execution`);
    const outcome = await this.agent.signal(id, signal);
    if (outcome !== 'delivered') {
      execution.endedBy ??= outcome;
      await this.api.stopExecution(jobNameOf(id), execution.name);
    }
    execution.handle?.wake();
  }

  async remove(id: string): Promise<void> {
    // A removed container's agent must not be served any more, whatever Azure says below.
    this.agents.revoke(id);
    try {
      // ACA stops the job's running executions with it.
      await this.api.deleteJob(jobNameOf(id));
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
    const from = opts.logsSince ?? new Date(Date.now() - LOG_CLOCK_SKEW_MS);
    return this.follow(id, execution.name, { openStdin: false, logsFrom: from }).process;
  }

  async close(): Promise<void> {
    this.executions.stopAll();
  }

  private follow(id: string, name: string, opts: { openStdin: boolean; logsFrom: Date }): ExecutionHandle {
    return this.executions.follow(id, name, (entry) => executionProcess({
      api: this.api,
      containerId: id,
      job: jobNameOf(id),
      execution: name,
      logsFrom: opts.logsFrom,
      poll: this.options.pollIntervalMs,
      logger: this.logger,
      agents: this.options.agent ? this.agents : undefined,
      openStdin: opts.openStdin,
      stoppedBy: entry.endedBy,
      onFinished: entry.onFinished,
    }));
  }

  /** The container's running execution, from memory or (after a restart) from its job's latest execution. */
  private runningExecution(id: string): Promise<TrackedExecution | undefined> {
    return this.executions.running(id, async () => {
      const latest = await this.inventory.latestExecution(jobNameOf(id));
      return latest && { name: latest.name, finished: isFinished(latest) };
    });
  }
}
