import { PassThrough } from 'node:stream';
import { isSockerlessError, pipeStdinThroughAgent, type AgentServer, type ExitStatus, type Logger, type WorkloadProcess } from '@sockerless/sdk';
import { exitStatusOf, isFinished } from './job';
import type { CloudRunApi, Execution, Task } from './run-api';

/** How long after a start the driver waits for the workload agent to dial in (exec, attach, cp wait as long). */
export const AGENT_WAIT_MS = 10_000;
/**
 * Empty log reads, each begun after GetExecution said the execution had finished, before its output is taken
 * to be complete: one, as backend-ecs ends a stream on the first empty read after ECS said STOPPED (a line
 * Cloud Logging has not made visible by then is as late for a second read 10 ms on).
 */
const EMPTY_READS_AFTER_FINISH = 1;
/** Failed log reads after the execution finished before the rest of the output is given up (the exit is still reported). */
const FAILED_READS_AFTER_FINISH = 20;

export interface ExecutionParts {
  api: CloudRunApi;
  containerId: string;
  execution: string;
  poll: { min: number; max: number };
  logger: Logger;
  /** The agent server when the task runs the agent: stdin goes through its attach, its hang-up polls at once. */
  agents?: AgentServer;
  openStdin: boolean;
  /** Output from this time on (RFC 3339), for a reattach; all of it otherwise. */
  logsSince?: string;
  /** Which signal a cancel of this execution carried out, if one did (read when it finishes). */
  cancelledBy(): 'SIGTERM' | 'SIGKILL' | undefined;
  onFinished(): void;
}

/** A running execution and the handle that makes it poll at once (a signal was sent, the agent hung up). */
export interface ExecutionHandle {
  process: WorkloadProcess;
  wake(): void;
  /** The driver is closing: poll no more and end the output; the exit stays unreported, as the execution goes on. */
  stop(): void;
}

/**
 * An execution as a WorkloadProcess: its stdout and stderr are the task's lines in Cloud Logging
 * (`run.googleapis.com/stdout` and `/stderr`, each in its own order), its exit the task's exit code once the
 * execution has a completionTime. One adaptive poll drives both: `min` after a change, growing with the time
 * since (a quarter of it) up to `max`.
 */
export function executionProcess(p: ExecutionParts): ExecutionHandle {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const log = p.api.executionLog(p.execution, p.logsSince);
  let wakeUp: () => void = () => undefined;
  let lastChange = Date.now();
  let stopped = false;
  const exited = (async (): Promise<ExitStatus> => {
    let finished: Execution | undefined;
    /** Asked for as soon as the execution is seen finished, beside the last log reads. */
    let tasks: Promise<Task[]> | undefined;
    let emptyAfter = 0;
    let failedAfter = 0;
    for (;;) {
      if (stopped) {
        finishLog();
        return new Promise<ExitStatus>(() => undefined);
      }
      const finishedBefore = !!finished;
      try {
        if (!finished) {
          const execution = await p.api.getExecution(p.execution);
          if (isFinished(execution)) {
            finished = execution;
            tasks = p.api.listTasks(p.execution).catch((err: Error) => {
              p.logger.warn('cloudrun: ListTasks failed; the exit code is unknown', { execution: p.execution, err: err.message });
              return [];
            });
          }
        }
      } catch (err) {
        if (isSockerlessError(err) && err.code === 'NotFound') {
          finishLog();
          p.onFinished();
          return { exitCode: 137, error: `cloudrun: the execution ${p.execution} is gone: ${(err as Error).message}` };
        }
        p.logger.warn('cloudrun: GetExecution failed; retrying', { execution: p.execution, err: (err as Error).message });
      }
      try {
        const lines = await log.read();
        for (const line of lines) {
          if (line.logName?.endsWith('%2Fstdout')) stdout.write(`${line.text}\n`);
          else if (line.logName?.endsWith('%2Fstderr')) stderr.write(`${line.text}\n`);
        }
        if (lines.length) lastChange = Date.now();
        if (finished) emptyAfter = lines.length ? 0 : emptyAfter + 1;
      } catch (err) {
        p.logger.warn('cloudrun: ListLogEntries failed; retrying', { execution: p.execution, err: (err as Error).message });
        if (finishedBefore && ++failedAfter >= FAILED_READS_AFTER_FINISH) {
          stderr.write(`[sockerless: the rest of this execution's output could not be read from Cloud Logging: ${(err as Error).message}]\n`);
          emptyAfter = EMPTY_READS_AFTER_FINISH;
        }
      }
      if (finished && emptyAfter >= EMPTY_READS_AFTER_FINISH) break;
      if (finished && !finishedBefore) lastChange = Date.now();
      await new Promise<void>((resolve) => {
        const interval = finished ? p.poll.min : Math.max(p.poll.min, Math.min(p.poll.max, Math.ceil((Date.now() - lastChange) / 4)));
        const timer = setTimeout(resolve, interval);
        wakeUp = () => { clearTimeout(timer); lastChange = Date.now(); resolve(); };
      });
      wakeUp = () => { lastChange = Date.now(); };
    }
    const [task] = await tasks!;
    finishLog();
    p.onFinished();
    return exitStatusOf(finished, task, p.cancelledBy());
  })();
  function finishLog(): void {
    stdout.end();
    stderr.end();
  }
  const stdin = p.openStdin && p.agents ? new PassThrough() : null;
  const handle: ExecutionHandle = { process: { stdin, stdout, stderr, exited }, wake: () => wakeUp(), stop: () => { stopped = true; wakeUp(); } };
  if (p.agents) pipeStdinThroughAgent({ agents: p.agents, containerId: p.containerId, stdin, waitMs: AGENT_WAIT_MS, onHangUp: () => handle.wake(), logger: p.logger });
  return handle;
}
