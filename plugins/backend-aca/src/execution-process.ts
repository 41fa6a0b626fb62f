import { polledExecution, type AgentServer, type Logger, type PolledExecution } from '@sockerless/sdk';
import { isFinished, type AcaApi } from './aca-api';
import { exitStatusOf } from './job';

/** How long after a start the driver waits for the workload agent to dial in (exec, attach, cp wait as long). */
export const AGENT_WAIT_MS = 10_000;

export type ExecutionHandle = PolledExecution;

export interface ExecutionParts {
  api: AcaApi;
  containerId: string;
  job: string;
  execution: string;
  /** Console lines from then on: the start (a little before, for clock skew), or a reattach's `logsSince`. */
  logsFrom: Date;
  poll: { min: number; max: number };
  logger: Logger;
  /** The agent server when the replica runs the agent: stdin goes through its attach, its hang-up polls at once. */
  agents?: AgentServer;
  openStdin: boolean;
  /** Which signal a stop of this execution carried out, if one did (read when it finishes). */
  stoppedBy(): 'SIGTERM' | 'SIGKILL' | undefined;
  onFinished(): void;
}

/**
 * A Container Apps job execution as a WorkloadProcess: its stdout and stderr are the replica's
 * `ContainerAppConsoleLogs_CL` rows in the environment's Log Analytics workspace, its exit the replica's exit
 * code once the execution's status is terminal.
 */
export function executionProcess(p: ExecutionParts): ExecutionHandle {
  const log = p.api.executionLog(p.job, p.execution, p.logsFrom);
  return polledExecution({
    backend: 'aca',
    names: { status: 'GetJobExecution', log: 'Log Analytics' },
    containerId: p.containerId,
    execution: p.execution,
    readStatus: async (phase) => {
      const execution = await p.api.getExecution(p.job, p.execution);
      if (isFinished(execution)) return execution;
      // `Processing` until the replica's container started, then `Running`.
      phase(execution.status);
      return undefined;
    },
    readLines: () => log.read(),
    exitOf: async (finished) => exitStatusOf(finished, p.stoppedBy()),
    poll: p.poll,
    logger: p.logger,
    agents: p.agents,
    agentWaitMs: AGENT_WAIT_MS,
    openStdin: p.openStdin,
    onFinished: p.onFinished,
  });
}
