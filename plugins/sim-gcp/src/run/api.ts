import { randomBytes, randomUUID } from 'node:crypto';
import { GcpError } from '../errors';
import { typed, type Operations } from '../operations';
import { page } from '../paging';
import { LOCATION, route, SEGMENT, type Call, type Route } from '../routes';
import { now } from '../time';
import { EXECUTION_TYPE, type ExecutionLifecycle } from './lifecycle';
import { applyOverrides, checkExecutionTemplate, checkJobId, checkLabels, condition, type Execution, type Job, type Task } from './model';
import type { RunState } from './state';

const JOB_TYPE = 'google.cloud.run.v2.Job';
/** Cloud Run's page size cap for jobs, executions and tasks. */
const MAX_PAGE = 1000;

const etag = (): string => `"${randomUUID()}"`;
const lastSegment = (name: string): string => name.slice(name.lastIndexOf('/') + 1);
/** Executions are named after their job with a 5-character suffix (`myjob-x7k2p`). */
const executionSuffix = (): string => Array.from(randomBytes(5), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

/** Cloud Run Admin API v2: jobs, executions and tasks, with their long-running operations. */
export function runRoutes(state: RunState, lifecycle: ExecutionLifecycle, ops: Operations, hasImage: (ref: string) => boolean): Route[] {
  const parentOf = (name: string) => /^projects\/[^/]+\/locations\/[^/]+/.exec(name)![0];

  /**
   * Cloud Run resolves a job's image when it deploys it: a missing one fails the operation (the call itself
   * succeeds) and leaves no job behind.
   */
  const missingImage = (template: { template: { containers: Array<{ image: string }> } }): GcpError | undefined => {
    const missing = template.template.containers.find((c) => !hasImage(c.image));
    return missing ? new GcpError('NOT_FOUND', `Image '${missing.image}' not found.`) : undefined;
  };

  const jobView = (j: Job): Job => state.jobView(j);

  function createJob(c: Call): unknown {
    const parent = c.params[0];
    const id = checkJobId(c.query.get('jobId'));
    const body = c.json();
    const template = checkExecutionTemplate(body.template);
    const labels = checkLabels(body.labels);
    const name = `${parent}/jobs/${id}`;
    if (state.jobs.has(name)) throw new GcpError('ALREADY_EXISTS', `Resource '${id}' already exists.`);
    const imageError = missingImage(template);
    if (imageError) return ops.start(parent, typed(JOB_TYPE, { name, labels }), { error: imageError });
    const at = now();
    const job: Job = {
      name, uid: randomUUID(), generation: '1', labels, annotations: (body.annotations ?? {}) as Record<string, string>,
      createTime: at, updateTime: at, launchStage: typeof body.launchStage === 'string' ? body.launchStage : 'GA', template,
      observedGeneration: '1', terminalCondition: condition('Ready', 'CONDITION_SUCCEEDED', at), conditions: [],
      executionCount: 0, reconciling: false, etag: etag(),
    };
    if (c.query.get('validateOnly') !== 'true') {
      state.jobs.set(name, job);
      state.changed();
    }
    const view = typed(JOB_TYPE, jobView(job));
    return ops.start(parent, view, { response: view });
  }

  function updateJob(c: Call): unknown {
    const name = c.params[0];
    const body = c.json();
    const existing = state.jobs.get(name);
    if (!existing) {
      if (c.query.get('allowMissing') !== 'true') throw new GcpError('NOT_FOUND', `Resource '${lastSegment(name)}' of kind 'JOB' in region '${name.split('/')[3]}' in project '${name.split('/')[1]}' does not exist.`);
      c.query.set('jobId', lastSegment(name));
      return createJob({ ...c, params: [parentOf(name)] });
    }
    if (typeof body.etag === 'string' && body.etag && body.etag !== existing.etag) throw new GcpError('ABORTED', `The etag "${body.etag}" does not match the job's current etag`);
    const template = checkExecutionTemplate(body.template);
    const labels = checkLabels(body.labels);
    const imageError = missingImage(template);
    if (imageError) return ops.start(parentOf(name), typed(JOB_TYPE, jobView(existing)), { error: imageError });
    const generation = String(Number(existing.generation) + 1);
    const job: Job = { ...existing, template, labels, annotations: (body.annotations ?? {}) as Record<string, string>, generation, observedGeneration: generation, updateTime: now(), etag: etag() };
    if (c.query.get('validateOnly') !== 'true') {
      state.jobs.set(name, job);
      state.changed();
    }
    const view = typed(JOB_TYPE, jobView(job));
    return ops.start(parentOf(name), view, { response: view });
  }

  async function deleteJob(c: Call): Promise<unknown> {
    const job = state.job(c.params[0]);
    const execs = state.executionsOf(job.name);
    await Promise.all(execs.map((e) => lifecycle.cancel(e.name)));
    for (const e of execs) state.removeExecution(e.name);
    state.jobs.delete(job.name);
    state.changed();
    const view = typed(JOB_TYPE, { ...jobView(job), deleteTime: now() });
    return ops.start(parentOf(job.name), view, { response: view });
  }

  function runJob(c: Call): unknown {
    const job = state.job(c.params[0]);
    const body = c.json();
    if (typeof body.etag === 'string' && body.etag && body.etag !== job.etag) throw new GcpError('ABORTED', `The etag "${body.etag}" does not match the job's current etag`);
    const template = applyOverrides(job.template, body.overrides);
    const executionId = `${lastSegment(job.name)}-${executionSuffix()}`;
    const name = `${job.name}/executions/${executionId}`;
    const at = now();
    const logUri = `https://console.cloud.google.com/logs/viewer?project=${job.name.split('/')[1]}&advancedFilter=${encodeURIComponent(`resource.type="cloud_run_job" labels."run.googleapis.com/execution_name"="${executionId}"`)}`;
    const execution: Execution = {
      name, uid: randomUUID(), generation: '1', labels: { ...(template.labels ?? {}), 'run.googleapis.com/jobUid': job.uid.slice(0, 63) },
      annotations: template.annotations ?? {}, createTime: at, updateTime: at, launchStage: job.launchStage, job: lastSegment(job.name),
      parallelism: template.parallelism, taskCount: template.taskCount, template: template.template, reconciling: false,
      conditions: [condition('ResourcesAvailable', 'CONDITION_PENDING', at), condition('Started', 'CONDITION_PENDING', at), condition('Completed', 'CONDITION_PENDING', at)],
      observedGeneration: '1', runningCount: 0, succeededCount: 0, failedCount: 0, cancelledCount: 0, retriedCount: 0, logUri, etag: etag(),
    };
    if (body.validateOnly === true) return ops.start(parentOf(name), typed(EXECUTION_TYPE, execution), { response: typed(EXECUTION_TYPE, execution) });
    for (let index = 0; index < template.taskCount; index++) {
      const task: Task = {
        name: `${name}/tasks/${executionId}-task${index}`, uid: randomUUID(), generation: '1', labels: {}, createTime: at, scheduledTime: at, updateTime: at,
        job: execution.job, execution: executionId, containers: template.template.containers, maxRetries: template.template.maxRetries,
        timeout: template.template.timeout, conditions: [condition('Completed', 'CONDITION_PENDING', at)], index, retried: 0, logUri, etag: etag(),
      };
      state.tasks.set(task.name, task);
    }
    state.executions.set(name, execution);
    job.executionCount++;
    state.changed();
    // As on Cloud Run, the operation is done when the execution is; its metadata is the execution meanwhile.
    const op = ops.start(parentOf(name), typed(EXECUTION_TYPE, execution));
    lifecycle.start(execution, op.name);
    return op;
  }

  async function cancelExecution(c: Call): Promise<unknown> {
    const e = state.execution(c.params[0]);
    if (!lifecycle.isRunning(e.name)) throw new GcpError('FAILED_PRECONDITION', `Execution ${lastSegment(e.name)} has already completed and cannot be cancelled.`);
    await lifecycle.cancel(e.name);
    const view = typed(EXECUTION_TYPE, state.execution(e.name));
    return ops.start(parentOf(e.name), view, { response: view });
  }

  async function deleteExecution(c: Call): Promise<unknown> {
    const e = state.execution(c.params[0]);
    await lifecycle.cancel(e.name);
    state.removeExecution(e.name);
    state.changed();
    const view = typed(EXECUTION_TYPE, { ...e, deleteTime: now() });
    return ops.start(parentOf(e.name), view, { response: view });
  }

  const listed = <T>(key: string, all: T[], c: Call) => {
    const { items, nextPageToken } = page(all, { pageSize: c.query.get('pageSize') ?? undefined, pageToken: c.query.get('pageToken') ?? undefined }, `${key}:${c.params[0]}`, MAX_PAGE);
    return { [key]: items, ...(nextPageToken ? { nextPageToken } : {}) };
  };
  const JOB = `${LOCATION.slice(0, -1)}/jobs/${SEGMENT.slice(1)}`;
  const EXECUTION = `${JOB.slice(0, -1)}/executions/${SEGMENT.slice(1)}`;

  return [
    route('run', 'POST', `${LOCATION}/jobs`, createJob),
    route('run', 'GET', `${LOCATION}/jobs`, (c) => listed('jobs', [...state.jobs.values()].filter((j) => j.name.startsWith(`${c.params[0]}/jobs/`)).sort((a, b) => a.createTime.localeCompare(b.createTime)).map(jobView), c)),
    route('run', 'GET', JOB, (c) => jobView(state.job(c.params[0]))),
    route('run', 'PATCH', JOB, updateJob),
    route('run', 'DELETE', JOB, deleteJob),
    route('run', 'POST', `${JOB}:run`, runJob),
    route('run', 'GET', `${JOB}/executions`, (c) => { state.job(c.params[0]); return listed('executions', state.executionsOf(c.params[0]), c); }),
    route('run', 'GET', EXECUTION, (c) => state.execution(c.params[0])),
    route('run', 'DELETE', EXECUTION, deleteExecution),
    route('run', 'POST', `${EXECUTION}:cancel`, cancelExecution),
    route('run', 'GET', `${EXECUTION}/tasks`, (c) => { state.execution(c.params[0]); return listed('tasks', state.tasksOf(c.params[0]), c); }),
    route('run', 'GET', `${EXECUTION}/tasks/${SEGMENT}`, (c) => state.task(`${c.params[0]}/tasks/${c.params[1]}`)),
  ];
}
