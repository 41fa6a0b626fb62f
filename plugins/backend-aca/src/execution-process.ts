import { PassThrough } from 'node:stream';
import { isSockerlessError, pipeStdinThroughAgent, type AgentServer, type ExitStatus, type Logger, type WorkloadProcess } from '@sockerless/sdk';
import { isFinished, type AcaApi, type ExecutionView } from './aca-api';
import { exitStatusOf } from './job';

/** How long after a start the driver waits for the workload agent to dial in (exec, attach, cp wait as long). */
export const AGENT_WAIT_MS = 10_000;
/**
 * Empty log reads after the execution was seen finished before its output is taken to be complete; the read
 * right after the status that said so counts (it was asked later). The simulator writes a line before the
 * replica's exit is recorded; Azure's own ingestion lags by seconds to minutes, which no count here covers.
 */
const EMPTY_READS_AFTER_FINISH = 1;
/** Failed log reads after the execution finished before the rest of the output is given up (the exit is still reported). */
const FAILED_READS_AFTER_FINISH = 20;

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

/** A running execution and the handle that makes it poll at once (a signal was sent, the agent hung up). */
export interface ExecutionHandle {
  process: WorkloadProcess;
  wake(): void;
  /** The driver is closing: poll no more and end the output; the exit stays unreported, as the execution goes on. */
  stop(): void;
}

/**
 * An execution as a WorkloadProcess: its stdout and stderr are the replica's `ContainerAppConsoleLogs_CL` rows
 * in the environment's Log Analytics workspace (each stream in its own order), its exit the replica's exit
 * code once the execution has a terminal status. One adaptive poll drives both: `min` after a change, growing
 * with the time since (a quarter of it) up to `max`; after the end, reads go on until two come back empty.
 */
export function executionProcess(p: ExecutionParts): ExecutionHandle {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const log = p.api.executionLog(p.job, p.execution, p.logsFrom);
  let wakeUp: () => void = () => undefined;
  let lastChange = Date.now();
  let stopped = false;
  const exited = (async (): Promise<ExitStatus> => {
    let finished: ExecutionView | undefined;
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
          const execution = await p.api.getExecution(p.job, p.execution);
          if (isFinished(execution)) finished = execution;
        }
      } catch (err) {
        if (isSockerlessError(err) && err.code === 'NotFound') {
          finishLog();
          p.onFinished();
          return { exitCode: 137, error: `aca: the execution ${p.execution} is gone: ${(err as Error).message}` };
        }
        p.logger.warn('aca: GetJobExecution failed; retrying', { execution: p.execution, err: (err as Error).message });
      }
      try {
        const lines = await log.read();
        for (const line of lines) (line.stream === 'stderr' ? stderr : stdout).write(`${line.text}\n`);
        if (lines.length) lastChange = Date.now();
        if (finished) emptyAfter = lines.length ? 0 : emptyAfter + 1;
      } catch (err) {
        p.logger.warn('aca: the Log Analytics query failed; retrying', { execution: p.execution, err: (err as Error).message });
        if (finishedBefore && ++failedAfter >= FAILED_READS_AFTER_FINISH) {
          stderr.write(`[sockerless: the rest of this execution's output could not be read from Log Analytics: ${(err as Error).message}]\n`);
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
    finishLog();
    p.onFinished();
    return exitStatusOf(finished, p.stoppedBy());
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
