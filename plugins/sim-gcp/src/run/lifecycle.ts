import { randomUUID } from 'node:crypto';
import type { ExitStatus } from '@sockerless/sdk';
import type { RunningWorkload, SimContext } from '../context';
import { GcpError } from '../errors';
import { typed, type Operations } from '../operations';
import { durationMs, now } from '../time';
import { condition, type Execution, type Task } from './model';
import type { RunState } from './state';

export const EXECUTION_TYPE = 'google.cloud.run.v2.Execution';

/** What an execution holds while it runs: its tasks' processes, and whether it was cancelled. */
interface Live {
  cancelled: boolean;
  workloads: Set<RunningWorkload>;
  operation?: string;
  done: Promise<void>;
}

/** How an attempt ended. */
type Attempt = { kind: 'exited'; status: ExitStatus; timedOut: boolean } | { kind: 'cancelled' } | { kind: 'error'; message: string };

/**
 * Runs executions: every task a sandbox process (at most `parallelism` at once), retried up to `maxRetries`,
 * killed at its `timeout`; their stdout/stderr go to Cloud Logging as Cloud Run writes them
 * (`run.googleapis.com/stdout` and `/stderr`, resource `cloud_run_job`, the execution name in the labels).
 */
export class ExecutionLifecycle {
  private readonly live = new Map<string, Live>();

  constructor(private readonly ctx: SimContext, private readonly state: RunState, private readonly ops: Operations) {}

  /** Starts `execution` (already stored with its tasks) and ties the runJob operation to its end. */
  start(execution: Execution, operation: string): void {
    const live: Live = { cancelled: false, workloads: new Set(), operation, done: Promise.resolve() };
    this.live.set(execution.name, live);
    live.done = this.runAll(execution, live).catch((err: Error) => {
      this.ctx.logger.error('GCP simulator: execution failed unexpectedly', { execution: execution.name, err: err.stack ?? err.message });
    }).finally(() => this.live.delete(execution.name));
  }

  isRunning(name: string): boolean {
    return this.live.has(name);
  }

  /** Cloud Run's cancel: tasks not started are cancelled; running ones get SIGTERM (and are counted cancelled). */
  async cancel(name: string): Promise<void> {
    const live = this.live.get(name);
    if (!live) return;
    live.cancelled = true;
    await Promise.all([...live.workloads].map((w) => w.signal('SIGKILL').catch(() => undefined)));
    await live.done;
  }

  /** Ends every running execution (the simulator is going down). */
  async close(): Promise<void> {
    await Promise.all([...this.live.keys()].map((n) => this.cancel(n)));
  }

  private async runAll(e: Execution, live: Live): Promise<void> {
    const tasks = this.state.tasksOf(e.name);
    if (this.ctx.options.startDelayMs > 0) await new Promise((r) => setTimeout(r, this.ctx.options.startDelayMs));
    e.startTime = now();
    e.conditions = [condition('ResourcesAvailable', 'CONDITION_SUCCEEDED', e.startTime), condition('Started', 'CONDITION_SUCCEEDED', e.startTime), condition('Completed', 'CONDITION_PENDING', e.startTime)];
    this.touch(e, live);
    const queue = [...tasks];
    const workers = Array.from({ length: Math.min(e.parallelism || tasks.length, tasks.length) }, async () => {
      for (let t = queue.shift(); t; t = queue.shift()) await this.runTask(e, t, live);
    });
    await Promise.all(workers);
    this.complete(e, tasks, live);
  }

  private async runTask(e: Execution, t: Task, live: Live): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (live.cancelled) return this.endTask(e, t, live, { kind: 'cancelled' });
      t.retried = attempt;
      // Cloud Run counts a task running (runningCount, its startTime and Started) once its container started.
      let running = false;
      const result = await this.attempt(e, t, attempt, live, () => {
        running = true;
        t.startTime = now();
        e.runningCount++;
        t.conditions = [condition('Started', 'CONDITION_SUCCEEDED', t.startTime), condition('Completed', 'CONDITION_PENDING', t.startTime)];
        this.touch(e, live);
      });
      if (running) e.runningCount--;
      const failed = result.kind === 'error' || (result.kind === 'exited' && result.status.exitCode !== 0);
      if (failed && !live.cancelled && attempt < t.maxRetries) {
        e.retriedCount++;
        continue;
      }
      return this.endTask(e, t, live, live.cancelled && result.kind === 'exited' && result.status.exitCode !== 0 ? { kind: 'cancelled' } : result);
    }
  }

  private async attempt(e: Execution, t: Task, attempt: number, live: Live, started: () => void): Promise<Attempt> {
    const c = t.containers[0];
    const [, project, location] = /^projects\/([^/]+)\/locations\/([^/]+)\//.exec(e.name) ?? [];
    const executionId = e.name.slice(e.name.lastIndexOf('/') + 1);
    const resource = { type: 'cloud_run_job', labels: { project_id: project, job_name: e.job, location } };
    const labels = { 'run.googleapis.com/execution_name': executionId, 'run.googleapis.com/task_index': String(t.index), 'run.googleapis.com/task_attempt': String(attempt) };
    const log = (stream: 'stdout' | 'stderr' | 'varlog/system', line: string, severity: string) =>
      this.ctx.logs.write([{ logName: `projects/${project}/logs/run.googleapis.com%2F${stream.replace('/', '%2F')}`, resource, labels, textPayload: line, severity }]);
    let workload: RunningWorkload;
    try {
      workload = await this.ctx.runner.run({
        id: `${executionId}-${t.index}-${attempt}-${randomUUID().slice(0, 8)}`,
        image: c.image,
        // Cloud Run's command replaces the image's Entrypoint, its args the image's Cmd.
        entrypoint: c.command,
        cmd: c.args,
        env: [
          ...(c.env ?? []).map((v) => `${v.name}=${v.value ?? ''}`),
          `CLOUD_RUN_JOB=${e.job}`, `CLOUD_RUN_EXECUTION=${executionId}`, `CLOUD_RUN_TASK_INDEX=${t.index}`,
          `CLOUD_RUN_TASK_ATTEMPT=${attempt}`, `CLOUD_RUN_TASK_COUNT=${e.taskCount}`,
        ],
        workingDir: c.workingDir ?? '',
        onLine: (stream, line) => log(stream, line, stream === 'stderr' ? 'ERROR' : 'INFO'),
      });
    } catch (err) {
      log('varlog/system', (err as Error).message, 'ERROR');
      return { kind: 'error', message: (err as Error).message };
    }
    live.workloads.add(workload);
    started();
    // A cancel that came while the process was starting found nothing to signal.
    if (live.cancelled) void workload.signal('SIGKILL').catch(() => undefined);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; void workload.signal('SIGKILL').catch(() => undefined); }, durationMs(t.timeout, 'timeout') ?? 600_000);
    try {
      const status = await workload.exited;
      if (status.exitCode !== 0 && !live.cancelled) log('varlog/system', `Container called exit(${status.exitCode}).`, 'WARNING');
      return { kind: 'exited', status, timedOut };
    } finally {
      clearTimeout(timer);
      live.workloads.delete(workload);
    }
  }

  private endTask(e: Execution, t: Task, live: Live, result: Attempt): void {
    const at = now();
    t.completionTime = at;
    t.updateTime = at;
    if (result.kind === 'cancelled') {
      e.cancelledCount++;
      t.conditions = [condition('Completed', 'CONDITION_FAILED', at, { executionReason: 'CANCELLED', message: 'The task was cancelled.' })];
    } else if (result.kind === 'error') {
      e.failedCount++;
      t.lastAttemptResult = { status: new GcpError('UNKNOWN', result.message).toRpcStatus(), exitCode: 0 };
      t.conditions = [condition('Completed', 'CONDITION_FAILED', at, { message: result.message })];
    } else if (result.status.exitCode === 0) {
      e.succeededCount++;
      t.lastAttemptResult = { status: { code: 0 }, exitCode: 0 };
      t.conditions = [condition('Completed', 'CONDITION_SUCCEEDED', at)];
    } else {
      e.failedCount++;
      const message = result.timedOut ? 'The configured timeout was reached.' : `The container exited with an exit code of ${result.status.exitCode}.`;
      t.lastAttemptResult = { status: new GcpError(result.timedOut ? 'DEADLINE_EXCEEDED' : 'UNKNOWN', message).toRpcStatus(), exitCode: result.status.exitCode };
      t.conditions = [condition('Completed', 'CONDITION_FAILED', at, { executionReason: 'NON_ZERO_EXIT_CODE', message })];
    }
    this.touch(e, live);
  }

  private complete(e: Execution, tasks: Task[], live: Live): void {
    const at = now();
    e.completionTime = at;
    const failed = tasks.find((t) => t.conditions.some((c) => c.type === 'Completed' && c.state === 'CONDITION_FAILED' && c.executionReason !== 'CANCELLED'));
    const completed = e.cancelledCount > 0 && !failed
      ? condition('Completed', 'CONDITION_FAILED', at, { executionReason: 'CANCELLED', message: 'The execution was cancelled.' })
      : failed
        ? condition('Completed', 'CONDITION_FAILED', at, {
          executionReason: failed.lastAttemptResult?.exitCode ? 'NON_ZERO_EXIT_CODE' : undefined,
          message: `Task ${failed.name.slice(failed.name.lastIndexOf('/') + 1)} failed with message: ${failed.conditions[0].message ?? ''}`,
        })
        : condition('Completed', 'CONDITION_SUCCEEDED', at, { message: 'Execution completed successfully.' });
    e.conditions = e.conditions.filter((c) => c.type !== 'Completed').concat(completed);
    this.touch(e, live);
    if (live.operation) this.ops.finish(live.operation, { metadata: typed(EXECUTION_TYPE, e), response: typed(EXECUTION_TYPE, e) });
  }

  private touch(e: Execution, live: Live): void {
    e.updateTime = now();
    e.etag = `"${randomUUID()}"`;
    this.state.changed();
    if (live.operation) this.ops.update(live.operation, typed(EXECUTION_TYPE, e));
  }
}
