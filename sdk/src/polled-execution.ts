import { PassThrough } from 'node:stream';
import { pipeStdinThroughAgent } from './agent-stdin';
import type { AgentServer } from './contracts/agent';
import type { ExitStatus, WorkloadProcess } from './contracts/backend';
import { isSockerlessError } from './errors';
import type { Logger } from './services';

/** One line of a workload's output as a cloud log gives it back. */
export interface PolledLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A cloud run of a container (a Cloud Run execution, a Container Apps job execution) that is only known by asking. */
export interface PolledExecutionParts<Finished> {
  /** The backend's name in log lines and errors (`cloudrun`). */
  backend: string;
  /** What is polled, for log lines: the status call and the log (`GetExecution`, `Cloud Logging`). */
  names: { status: string; log: string };
  containerId: string;
  /** The execution's name, for log lines. */
  execution: string;
  /**
   * The status, when the run has ended; undefined while it runs. NotFound: the run is gone (exit 137). A run
   * still going may name its phase (`phase('Running')`): a new phase counts as a change, so the poll drops to
   * `min` (as backend-ecs's does on a new task status): a short workload ends soon after it started running.
   */
  readStatus(phase: (name: string) => void): Promise<Finished | undefined>;
  /** The lines written since the last read, oldest first. */
  readLines(): Promise<PolledLine[]>;
  /**
   * The exit Docker reports for the ended run (it may ask the cloud once more: Cloud Run's ListTasks). Asked
   * as soon as the status says "ended", beside the last log reads, not after them.
   */
  exitOf(finished: Finished): Promise<ExitStatus>;
  /**
   * `min` after a change, growing with the time since up to `max`: a quarter of it, or all of it once the
   * agent has dialled in (its hang-up wakes the poll when the main process ends, so an idle run needs fewer
   * reads). A short main process (`true`) ends before its agent dials in: no hang-up will come for it.
   */
  poll: { min: number; max: number };
  logger: Logger;
  /** The agent server when the workload runs the agent: stdin goes through its attach, its hang-up polls at once. */
  agents?: AgentServer;
  agentWaitMs: number;
  openStdin: boolean;
  onFinished(): void;
}

/** A polled run and the handle that makes it poll at once (a signal was sent, the agent hung up). */
export interface PolledExecution {
  process: WorkloadProcess;
  wake(): void;
  /** The driver is closing: poll no more and end the output; the exit stays unreported, as the run goes on. */
  stop(): void;
}

/**
 * Empty log reads, each begun after the status said "ended" (the one right after that status included), before
 * the output is taken to be complete: one, as backend-ecs ends a stream on the first empty read after ECS said
 * STOPPED. A line the cloud's log has not made visible by then is as late for a second read 10 ms on (Cloud
 * Run: two more reads cost 25-55 ms a run, bench/RESULTS.md); Azure's own ingestion lags by seconds to
 * minutes, which no count here covers.
 */
const EMPTY_READS_AFTER_END = 1;
/** Failed log reads after the end before the rest of the output is given up (the exit is still reported). */
const FAILED_READS_AFTER_END = 20;

/**
 * A cloud run as a WorkloadProcess: its stdout and stderr are the lines its cloud log holds (each stream in its
 * own order), its exit the one `exitOf` gives once `readStatus` says it ended. One adaptive poll drives both,
 * the status first and then the log, so a log read that follows an "ended" saw everything written before the
 * end (but a lagging log); a failed read is logged and retried. For backends whose cloud has no stream to
 * follow (Cloud Run, Container Apps), beside the workload agent for stdin and signals.
 */
export function polledExecution<Finished>(p: PolledExecutionParts<Finished>): PolledExecution {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let wakeUp: () => void = () => undefined;
  let lastChange = Date.now();
  let stopped = false;
  /** Whether the agent's session is up, so its hang-up will wake the poll. */
  let agentDialledIn = false;
  let lastPhase: string | undefined;
  const phase = (name: string) => {
    if (lastPhase !== undefined && name !== lastPhase) lastChange = Date.now();
    lastPhase = name;
  };
  const finishLog = () => {
    stdout.end();
    stderr.end();
  };
  const exited = (async (): Promise<ExitStatus> => {
    let finished: Finished | undefined;
    /** Asked for as soon as the run is seen ended, beside the last log reads. */
    let exit: Promise<ExitStatus> | undefined;
    let emptyAfter = 0;
    let failedAfter = 0;
    for (;;) {
      if (stopped) {
        finishLog();
        return new Promise<ExitStatus>(() => undefined);
      }
      const finishedBefore = finished !== undefined;
      try {
        finished ??= await p.readStatus(phase);
        if (finished !== undefined) exit ??= p.exitOf(finished).catch((err: Error): ExitStatus => ({ exitCode: 125, error: `${p.backend}: the exit of ${p.execution} could not be read: ${err.message}` }));
      } catch (err) {
        if (isSockerlessError(err) && err.code === 'NotFound') {
          finishLog();
          p.onFinished();
          return { exitCode: 137, error: `${p.backend}: the execution ${p.execution} is gone: ${(err as Error).message}` };
        }
        p.logger.warn(`${p.backend}: ${p.names.status} failed; retrying`, { execution: p.execution, err: (err as Error).message });
      }
      try {
        const lines = await p.readLines();
        for (const line of lines) (line.stream === 'stderr' ? stderr : stdout).write(`${line.text}\n`);
        if (lines.length) lastChange = Date.now();
        if (finished !== undefined) emptyAfter = lines.length ? 0 : emptyAfter + 1;
      } catch (err) {
        p.logger.warn(`${p.backend}: reading ${p.names.log} failed; retrying`, { execution: p.execution, err: (err as Error).message });
        if (finished !== undefined && ++failedAfter >= FAILED_READS_AFTER_END) {
          stderr.write(`[sockerless: the rest of this execution's output could not be read from ${p.names.log}: ${(err as Error).message}]\n`);
          emptyAfter = EMPTY_READS_AFTER_END;
        }
      }
      if (finished !== undefined && emptyAfter >= EMPTY_READS_AFTER_END) break;
      if (finished !== undefined && !finishedBefore) lastChange = Date.now();
      await new Promise<void>((resolve) => {
        const interval = finished !== undefined ? p.poll.min : Math.max(p.poll.min, Math.min(p.poll.max, Math.ceil((Date.now() - lastChange) / (agentDialledIn ? 1 : 4))));
        const timer = setTimeout(resolve, interval);
        wakeUp = () => { clearTimeout(timer); lastChange = Date.now(); resolve(); };
      });
      wakeUp = () => { lastChange = Date.now(); };
    }
    const status = await exit!;
    finishLog();
    p.onFinished();
    return status;
  })();
  const stdin = p.openStdin && p.agents ? new PassThrough() : null;
  const handle: PolledExecution = { process: { stdin, stdout, stderr, exited }, wake: () => wakeUp(), stop: () => { stopped = true; wakeUp(); } };
  if (p.agents) pipeStdinThroughAgent({ agents: p.agents, containerId: p.containerId, stdin, waitMs: p.agentWaitMs, onSession: () => { agentDialledIn = true; }, onHangUp: () => handle.wake(), logger: p.logger });
  return handle;
}
