import type { ExitStatus } from '@sockerless/sdk';
import type { RunningWorkload, RunSpec, SimContext } from '../context';
import type { Json } from '../wire';
import type { EcsState, Task, TaskContainer, TaskDefinition } from './model';

const DEFAULT_STOP_TIMEOUT_S = 30;

/** What a task holds while it is alive: its timers and its containers' workloads. */
interface Runtime {
  timers: NodeJS.Timeout[];
  workloads: Map<string, RunningWorkload>;
  stopTimeoutsS: Map<string, number>;
  /** The containers' runs were asked for and have not all answered yet. */
  starting: boolean;
  /** Every container stopped; the task is DEPROVISIONING until its STOPPED timer fires. */
  deprovisioning: boolean;
}

/** What Fargate's task reports when its awslogs group is missing and `awslogs-create-group` is not set. */
export const MISSING_LOG_GROUP_REASON = 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: '
  + 'failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1';

/**
 * Moves tasks through ECS's states: PROVISIONING -> PENDING -> RUNNING -> STOPPING (while the containers stop)
 * -> DEPROVISIONING (half the start delay, as the ENI goes) -> STOPPED. Driven
 * by events (timers only for startDelayMs and the SIGKILL after stopTimeout), never by polling.
 */
export class TaskLifecycle {
  private readonly live = new Map<string, Runtime>();
  /** Starts in flight, so that close waits for their workloads before ending them. */
  private readonly starts = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly ctx: SimContext, private readonly state: EcsState) {}

  /** Starts a task RunTask just recorded; returns at once. */
  launch(task: Task, def: TaskDefinition): void {
    const rt: Runtime = { timers: [], workloads: new Map(), stopTimeoutsS: new Map(), starting: false, deprovisioning: false };
    this.live.set(task.id, rt);
    const delay = this.ctx.options.startDelayMs;
    if (delay > 0) {
      rt.timers.push(setTimeout(() => this.pending(task), delay / 2));
      rt.timers.push(setTimeout(() => this.track(this.start(task, def, rt)), delay));
    } else {
      setImmediate(() => { this.pending(task); this.track(this.start(task, def, rt)); });
    }
  }

  /** StopTask: SIGTERM now, SIGKILL after each container's stopTimeout. */
  stop(task: Task, reason: string): void {
    this.beginStop(task, 'UserInitiated', reason);
  }

  /** Ends every live task's workload (the simulator is going down). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.starts);
    const waits: Promise<unknown>[] = [];
    for (const rt of this.live.values()) {
      rt.timers.forEach(clearTimeout);
      for (const w of rt.workloads.values()) {
        waits.push(w.signal('SIGKILL').catch(() => undefined), w.exited.catch(() => undefined));
      }
    }
    await Promise.all(waits);
  }

  private track(start: Promise<void>): void {
    this.starts.add(start);
    void start.finally(() => this.starts.delete(start));
  }

  private touch(task: Task): void {
    task.version += 1;
    this.state.changed();
  }

  private pending(task: Task): void {
    if (task.lastStatus !== 'PROVISIONING') return;
    task.lastStatus = 'PENDING';
    task.pullStartedAt = Date.now();
    this.touch(task);
  }

  private async start(task: Task, def: TaskDefinition, rt: Runtime): Promise<void> {
    if (task.desiredStatus === 'STOPPED' || this.closing) return;
    const defs = (def.input.containerDefinitions as Json[]);
    if (defs.some((d) => this.missingLogGroup(d))) {
      // Fargate's agent fails the task before any container starts: no exit codes, the reason on the task.
      task.pullStoppedAt = Date.now();
      for (const c of task.containers) Object.assign(c, { lastStatus: 'STOPPED', reason: MISSING_LOG_GROUP_REASON });
      this.beginStop(task, 'TaskFailedToStart', MISSING_LOG_GROUP_REASON);
      return;
    }
    rt.starting = true;
    const overrides = (task.overrides.containerOverrides as Json[] | undefined) ?? [];
    const started = await Promise.allSettled(task.containers.map((c) => {
      const cdef = defs.find((d) => d.name === c.name)!;
      rt.stopTimeoutsS.set(c.name, typeof cdef.stopTimeout === 'number' ? cdef.stopTimeout : DEFAULT_STOP_TIMEOUT_S);
      return this.ctx.runner.run(this.runSpec(task, c, cdef, overrides.find((o) => o.name === c.name)));
    }));
    rt.starting = false;
    task.pullStoppedAt = Date.now();
    started.forEach((r, i) => { if (r.status === 'fulfilled') rt.workloads.set(task.containers[i].name, r.value); });
    // The simulator is going down: close() ends these workloads.
    if (this.closing) return;
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const reason = (failed.reason as Error).message;
      started.forEach((r, i) => { if (r.status === 'rejected') Object.assign(task.containers[i], { lastStatus: 'STOPPED', reason: (r.reason as Error).message }); });
      this.beginStop(task, 'TaskFailedToStart', reason);
    } else if (!stopping(task)) {
      task.lastStatus = 'RUNNING';
      task.startedAt = Date.now();
      for (const c of task.containers) c.lastStatus = 'RUNNING';
      this.touch(task);
    }
    for (const c of task.containers) {
      const w = rt.workloads.get(c.name);
      if (w) void w.exited.then((st) => this.containerExited(task, c, st), (err: Error) => this.containerExited(task, c, { exitCode: 137, error: err.message }));
    }
    // A StopTask that came while the containers were starting reaches them now.
    if (stopping(task)) this.signalAll(task, rt);
    this.finishIfDone(task);
  }

  /** An awslogs group that does not exist, unless the container lets the agent create it. */
  private missingLogGroup(cdef: Json): boolean {
    const log = cdef.logConfiguration as { logDriver?: string; options?: Record<string, string> } | undefined;
    const group = log?.logDriver === 'awslogs' ? log.options?.['awslogs-group'] : undefined;
    return !!group && log?.options?.['awslogs-create-group'] !== 'true' && !this.ctx.logs.hasGroup(group);
  }

  private runSpec(task: Task, c: TaskContainer, cdef: Json, override: Json | undefined): RunSpec {
    const env = new Map<string, string>();
    for (const list of [cdef.environment, override?.environment]) {
      for (const e of (list as Array<{ name: string; value?: string }> | undefined) ?? []) env.set(e.name, e.value ?? '');
    }
    const log = cdef.logConfiguration as { logDriver?: string; options?: Record<string, string> } | undefined;
    let onLine: RunSpec['onLine'] = () => undefined;
    if (log?.logDriver === 'awslogs' && log.options?.['awslogs-group']) {
      const group = log.options['awslogs-group'];
      const prefix = log.options['awslogs-stream-prefix'];
      const stream = prefix ? `${prefix}/${c.name}/${task.id}` : task.id;
      // The stream exists from the container's start, so a reader can follow it before the first line.
      this.ctx.logs.ensureStream(group, stream);
      onLine = (_kind, line) => this.ctx.logs.append(group, stream, [{ timestamp: Date.now(), message: line }]);
    }
    const command = (override?.command as string[] | undefined) ?? (cdef.command as string[] | undefined);
    return {
      id: task.id + (task.containers.length > 1 ? `-${c.name}` : ''),
      image: c.image,
      argv: [],
      entrypoint: cdef.entryPoint as string[] | undefined,
      cmd: command,
      env: [...env.entries()].map(([k, v]) => `${k}=${v}`),
      workingDir: (cdef.workingDirectory as string | undefined) ?? '',
      user: (cdef.user as string | undefined) ?? '',
      onLine,
    };
  }

  private containerExited(task: Task, c: TaskContainer, st: ExitStatus): void {
    if (this.closing) return;
    c.lastStatus = 'STOPPED';
    c.exitCode = st.exitCode;
    if (st.error) c.reason = st.error;
    else if (st.oomKilled) c.reason = 'OutOfMemoryError: Container killed due to memory usage';
    this.live.get(task.id)?.workloads.delete(c.name);
    if (c.essential) this.beginStop(task, 'EssentialContainerExited', 'Essential container in task exited');
    this.touch(task);
    this.finishIfDone(task);
  }

  private beginStop(task: Task, stopCode: string, reason: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    const rt = this.live.get(task.id);
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    task.stoppingAt = Date.now();
    // Containers that run (or are being started) stop first; with none, the task goes straight to DEPROVISIONING.
    if (task.lastStatus !== 'STOPPED') task.lastStatus = rt && (rt.starting || rt.workloads.size > 0) ? 'STOPPING' : 'DEPROVISIONING';
    if (rt && !rt.starting && rt.workloads.size === 0) {
      // Not started yet: the pending start is cancelled and the containers never run.
      rt.timers.forEach(clearTimeout);
      rt.timers.length = 0;
    }
    if (rt) this.signalAll(task, rt);
    this.touch(task);
    this.finishIfDone(task);
  }

  private signalAll(task: Task, rt: Runtime): void {
    for (const [name, w] of rt.workloads) {
      void w.signal('SIGTERM').catch(() => undefined);
      const kill = setTimeout(() => void w.signal('SIGKILL').catch(() => undefined), (rt.stopTimeoutsS.get(name) ?? DEFAULT_STOP_TIMEOUT_S) * 1000);
      kill.unref();
      rt.timers.push(kill);
      void w.exited.finally(() => clearTimeout(kill));
    }
  }

  /** DEPROVISIONING once it should stop and no container runs or is still starting; STOPPED after that. */
  private finishIfDone(task: Task): void {
    const rt = this.live.get(task.id);
    if (task.desiredStatus !== 'STOPPED' || task.lastStatus === 'STOPPED' || rt?.deprovisioning) return;
    if (rt && rt.workloads.size > 0) return;
    // While the containers' runs are being asked for, `start` finishes the task once they answer.
    if (rt?.starting) return;
    for (const c of task.containers) if (c.lastStatus !== 'STOPPED') c.lastStatus = 'STOPPED';
    task.executionStoppedAt = Date.now();
    task.lastStatus = 'DEPROVISIONING';
    this.touch(task);
    if (!rt) return this.stopped(task);
    rt.timers.forEach(clearTimeout);
    rt.timers.length = 0;
    rt.deprovisioning = true;
    const delay = this.ctx.options.startDelayMs / 2;
    if (delay > 0) rt.timers.push(setTimeout(() => this.stopped(task), delay));
    else setImmediate(() => { if (!this.closing) this.stopped(task); });
  }

  private stopped(task: Task): void {
    task.stoppedAt = Date.now();
    task.lastStatus = 'STOPPED';
    this.live.delete(task.id);
    this.touch(task);
    this.state.prune();
  }
}

/** Read through a call, as the status changes across awaits (a StopTask may come while a task starts). */
function stopping(task: Task): boolean {
  return task.desiredStatus === 'STOPPED';
}
