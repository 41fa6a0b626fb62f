import { AgentBackedDriver, AgentChannel, type AgentChannelOptions } from './agent-channel';
import type { AgentServer } from './contracts/agent';
import type { ManagedWorkload, WorkloadProcess, WorkloadSpec } from './contracts/backend';
import { isSockerlessError, NotFoundError } from './errors';
import { ExecutionBook, type TrackedExecution } from './execution-book';
import { polledExecution, type PolledExecution, type PolledExecutionParts } from './polled-execution';
import type { Logger } from './services';

/** The cloud's side of following one execution: what is polled and how its end reads (see polledExecution). */
export type ExecutionPoll<Finished> = Pick<PolledExecutionParts<Finished>, 'backend' | 'names' | 'readStatus' | 'readLines' | 'exitOf'>;

/** Why an execution is followed: a start (`startedAt`: when it was asked for), or a reattach (`logsSince`, if given). */
export interface FollowReason {
  openStdin: boolean;
  startedAt?: Date;
  logsSince?: Date;
}

export interface JobExecutionDriverOptions {
  agents: AgentServer;
  logger: Logger;
  /** The AgentChannel's words and wait (`cloud` also names the execution in a signal's 404). */
  channel: Omit<AgentChannelOptions, 'agents' | 'logger' | 'isRunning'>;
  /** The adaptive poll of a running execution (the backend's `pollIntervalMs`). */
  poll: { min: number; max: number };
}

/**
 * A backend that runs each container as a cloud job (made at create) with one execution per start, known only
 * by polling it (Cloud Run, Container Apps): the start that makes a deleted job again, the signal through the
 * agent or by ending the execution, the removal, the reattach after a restart, each written once. A subclass
 * says how its cloud makes, runs, ends and deletes a job, and what its execution's poll reads.
 */
export abstract class JobExecutionDriver<Finished> extends AgentBackedDriver {
  protected readonly executions = new ExecutionBook();
  protected readonly agent: AgentChannel;
  protected readonly agents: AgentServer;
  protected readonly logger: Logger;

  constructor(private readonly o: JobExecutionDriverOptions) {
    super();
    this.agents = o.agents;
    this.logger = o.logger;
    this.agent = new AgentChannel({ ...o.channel, agents: o.agents, logger: o.logger, isRunning: async (id) => !!(await this.runningExecution(id)) });
  }

  abstract create(spec: WorkloadSpec): Promise<void>;
  abstract list(): Promise<ManagedWorkload[]>;
  /** Runs the container's job once, with `agentEnv` (this daemon's grant) over its environment; a NotFound when the job is gone. */
  protected abstract runExecution(spec: WorkloadSpec, agentEnv: string[] | undefined): Promise<string>;
  /** Ends the execution in the cloud, for a SIGTERM/SIGKILL the agent could not deliver. */
  protected abstract endExecution(id: string, execution: string): Promise<void>;
  /** Deletes the container's job (and with it its executions); a NotFound when it is gone already. */
  protected abstract deleteJob(id: string): Promise<void>;
  /** The newest execution of the container's job in the cloud, for a driver that did not start it (a restart). */
  protected abstract latestExecution(id: string): Promise<{ name: string; finished: boolean } | undefined>;
  /** What the poll of execution `name` reads; `endedBy` says which signal ended it, when the cloud did. */
  protected abstract executionPoll(id: string, name: string, endedBy: () => 'SIGTERM' | 'SIGKILL' | undefined, reason: FollowReason): ExecutionPoll<Finished>;

  async start(spec: WorkloadSpec): Promise<WorkloadProcess> {
    const startedAt = new Date();
    // With the agent, the run's override carries this daemon's grant: the job may have been made by a daemon
    // before a restart (another agent port) or on another home (another secret).
    const agentEnv = this.o.channel.enabled ? (await this.agents.grant(spec.id)).env : undefined;
    let name: string;
    try {
      name = await this.runExecution(spec, agentEnv);
    } catch (err) {
      if (!isSockerlessError(err) || err.code !== 'NotFound') throw err;
      // The job is gone (deleted by hand, or a create that failed): make it again.
      await this.create(spec);
      name = await this.runExecution(spec, agentEnv);
    }
    return this.follow(spec.id, name, { openStdin: spec.openStdin, startedAt }).process;
  }

  async signal(id: string, signal: string): Promise<void> {
    const execution = await this.runningExecution(id);
    if (!execution) throw new NotFoundError(`container ${id} has no running ${this.o.channel.cloud} execution`);
    const outcome = await this.agent.signal(id, signal);
    if (outcome !== 'delivered') {
      execution.endedBy ??= outcome;
      await this.endExecution(id, execution.name);
    }
    execution.handle?.wake();
  }

  async remove(id: string): Promise<void> {
    // A removed container's agent must not be served any more, whatever the cloud says below.
    this.agents.revoke(id);
    try {
      await this.deleteJob(id);
    } catch (err) {
      if (!isSockerlessError(err) || err.code !== 'NotFound') throw err;
    }
    this.executions.forget(id);
  }

  async reattach(id: string, opts: { logsSince?: Date }): Promise<WorkloadProcess | undefined> {
    const execution = await this.runningExecution(id);
    if (!execution) return undefined;
    return this.follow(id, execution.name, { openStdin: false, logsSince: opts.logsSince }).process;
  }

  async close(): Promise<void> {
    this.executions.stopAll();
  }

  private follow(id: string, name: string, reason: FollowReason): PolledExecution {
    return this.executions.follow(id, name, (entry) => polledExecution({
      ...this.executionPoll(id, name, entry.endedBy, reason),
      containerId: id,
      execution: name,
      poll: this.o.poll,
      logger: this.logger,
      agents: this.o.channel.enabled ? this.agents : undefined,
      agentWaitMs: this.o.channel.waitMs,
      openStdin: reason.openStdin,
      onFinished: entry.onFinished,
    }));
  }

  /** The container's running execution, from memory or (after a restart) from its job's latest execution. */
  protected runningExecution(id: string): Promise<TrackedExecution | undefined> {
    return this.executions.running(id, () => this.latestExecution(id));
  }
}
