import type { ExecutionPoll, Logger, PolledLine } from '@sockerless/sdk';
import { exitSettledByExecution, exitStatusOf, isFinished } from './job';
import type { CloudRunApi, Execution } from './run-api';

/**
 * An execution's poll: its stdout and stderr are the task's lines in Cloud Logging (`run.googleapis.com/stdout`
 * and `/stderr`, each in its own order), its exit the task's exit code once the execution has a completionTime
 * (ListTasks).
 */
export function executionPoll(p: {
  api: CloudRunApi;
  execution: string;
  logger: Logger;
  /** Output from this time on (RFC 3339), for a reattach; all of it otherwise. */
  logsSince?: string;
  /** Which signal a cancel of this execution carried out, if one did (read when it finishes). */
  cancelledBy(): 'SIGTERM' | 'SIGKILL' | undefined;
}): ExecutionPoll<Execution> {
  const log = p.api.executionLog(p.execution, p.logsSince);
  return {
    backend: 'cloudrun',
    names: { status: 'GetExecution', log: 'Cloud Logging' },
    readStatus: async (phase) => {
      const execution = await p.api.getExecution(p.execution);
      if (isFinished(execution)) return execution;
      // Cloud Run counts a task running once its container started.
      phase(`running ${Number(execution.runningCount ?? 0)}`);
      return undefined;
    },
    readLines: async () => (await log.read()).flatMap((line): PolledLine[] => {
      if (line.logName?.endsWith('%2Fstdout')) return [{ stream: 'stdout', text: line.text }];
      if (line.logName?.endsWith('%2Fstderr')) return [{ stream: 'stderr', text: line.text }];
      return [];
    }),
    exitOf: async (finished) => {
      // A succeeded or cancelled execution settles the exit by itself (its one task exited 0, or the signal's
      // code): ListTasks, a round trip on the way to the exit, is asked only for a failed task's own code.
      if (exitSettledByExecution(finished, p.cancelledBy())) return exitStatusOf(finished, undefined, p.cancelledBy());
      const tasks = await p.api.listTasks(p.execution).catch((err: Error) => {
        p.logger.warn('cloudrun: ListTasks failed; the exit code is unknown', { execution: p.execution, err: err.message });
        return [];
      });
      return exitStatusOf(finished, tasks[0], p.cancelledBy());
    },
  };
}
