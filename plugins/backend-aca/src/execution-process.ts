import type { ExecutionPoll } from '@sockerless/sdk';
import { isFinished, type AcaApi, type ExecutionView } from './aca-api';
import { exitStatusOf } from './job';

/**
 * A Container Apps job execution's poll: its stdout and stderr are the replica's `ContainerAppConsoleLogs_CL`
 * rows in the environment's Log Analytics workspace from `logsFrom` on, its exit the replica's exit code once
 * the execution's status is terminal.
 */
export function executionPoll(p: {
  api: AcaApi;
  job: string;
  execution: string;
  /** Console lines from then on: the start (a little before, for clock skew), or a reattach's `logsSince`. */
  logsFrom: Date;
  /** Which signal a stop of this execution carried out, if one did (read when it finishes). */
  stoppedBy(): 'SIGTERM' | 'SIGKILL' | undefined;
}): ExecutionPoll<ExecutionView> {
  const log = p.api.executionLog(p.job, p.execution, p.logsFrom);
  return {
    backend: 'aca',
    names: { status: 'GetJobExecution', log: 'Log Analytics' },
    readStatus: async (phase) => {
      const execution = await p.api.getExecution(p.job, p.execution);
      if (isFinished(execution)) return execution;
      // `Processing` until the replica's container started, then `Running`.
      phase(execution.status);
      return undefined;
    },
    readLines: () => log.read(),
    exitOf: async (finished) => exitStatusOf(finished, p.stoppedBy()),
  };
}
