import type { Persistence } from '../context';
import { notFound } from '../errors';
import { condition, type Execution, type Job, type Task } from './model';

interface Snapshot {
  jobs: Job[];
  executions: Execution[];
  tasks: Task[];
}

const RESTART_MESSAGE = 'The task was stopped because the simulator restarted';

/** Cloud Run's jobs, executions and tasks by full resource name, kept in `state/run.json`. */
export class RunState {
  readonly jobs = new Map<string, Job>();
  readonly executions = new Map<string, Execution>();
  readonly tasks = new Map<string, Task>();

  constructor(private readonly persist: Persistence) {
    const snap = persist.load<Snapshot>('run');
    for (const j of snap?.jobs ?? []) this.jobs.set(j.name, j);
    for (const t of snap?.tasks ?? []) this.tasks.set(t.name, t);
    for (const e of snap?.executions ?? []) {
      this.executions.set(e.name, e);
      // Its processes died with the previous simulator, as a task dies with its VM: recorded as failed.
      if (!e.completionTime) this.endOrphan(e);
    }
  }

  job(name: string): Job {
    const j = this.jobs.get(name);
    if (!j) throw notFound(name);
    return j;
  }

  execution(name: string): Execution {
    const e = this.executions.get(name);
    if (!e) throw notFound(name);
    return e;
  }

  task(name: string): Task {
    const t = this.tasks.get(name);
    if (!t) throw notFound(name);
    return t;
  }

  tasksOf(execution: string): Task[] {
    return [...this.tasks.values()].filter((t) => t.execution === execution.slice(execution.lastIndexOf('/') + 1) && t.name.startsWith(`${execution}/tasks/`)).sort((a, b) => a.index - b.index);
  }

  executionsOf(job: string): Execution[] {
    return [...this.executions.values()].filter((e) => e.name.startsWith(`${job}/executions/`)).sort((a, b) => b.createTime.localeCompare(a.createTime));
  }

  /** A job as the API shows it: its execution count and latest execution follow its executions. */
  jobView(j: Job): Job {
    const execs = this.executionsOf(j.name);
    const latest = execs[0];
    if (!latest) return j;
    const status = !latest.completionTime ? (latest.startTime ? 'EXECUTION_RUNNING' : 'EXECUTION_PENDING')
      : latest.cancelledCount > 0 && latest.failedCount === 0 ? 'EXECUTION_CANCELLED'
        : latest.failedCount > 0 ? 'EXECUTION_FAILED' : 'EXECUTION_SUCCEEDED';
    return {
      ...j,
      executionCount: Math.max(j.executionCount, execs.length),
      latestCreatedExecution: { name: latest.name, createTime: latest.createTime, ...(latest.completionTime ? { completionTime: latest.completionTime } : {}), completionStatus: status },
    };
  }

  removeExecution(name: string): void {
    this.executions.delete(name);
    for (const t of this.tasksOf(name)) this.tasks.delete(t.name);
  }

  changed(): void {
    this.persist.changed('run', (): Snapshot => ({ jobs: [...this.jobs.values()], executions: [...this.executions.values()], tasks: [...this.tasks.values()] }));
  }

  private endOrphan(e: Execution): void {
    const at = new Date().toISOString();
    let failed = 0;
    for (const t of this.tasksOf(e.name)) {
      if (t.completionTime) continue;
      failed++;
      t.completionTime = at;
      t.conditions = [condition('Completed', 'CONDITION_FAILED', at, { message: RESTART_MESSAGE })];
    }
    e.runningCount = 0;
    e.failedCount += failed;
    e.completionTime = at;
    e.conditions = e.conditions.filter((c) => c.type !== 'Completed').concat(condition('Completed', 'CONDITION_FAILED', at, { message: RESTART_MESSAGE }));
    this.changed();
  }
}
