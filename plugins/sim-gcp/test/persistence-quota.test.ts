/** State survives a simulator restart on the same state dir; a configured quota answers 429 RESOURCE_EXHAUSTED. */
import { expectGoogleError, PARENT, PROJECT, shellJob, startSimulator, type TestSimulator } from './helpers';
import { IMAGE_VARIABLE } from '../src/functions/api';

describe('persistence', () => {
  let sim: TestSimulator;
  beforeAll(async () => { sim = await startSimulator(); });
  afterAll(async () => { await sim?.close(); });

  test('a restarted simulator keeps jobs, executions, tasks, functions and logs; a running execution is recorded as failed', async () => {
    const [createOp] = await sim.jobs.createJob({ parent: PARENT, jobId: 'keep', job: shellJob('echo kept; exit 3', { labels: { keep: 'yes' } }) as never });
    const [job] = await createOp.promise();
    const [finishedOp] = await sim.jobs.runJob({ name: job.name });
    const [finished] = await finishedOp.promise();
    const [runningOp] = await sim.jobs.runJob({ name: job.name, overrides: { containerOverrides: [{ args: ['echo started; sleep 1000'] }] } });
    const runningName = (runningOp.metadata as { name: string }).name;
    // Running once its first line is in Cloud Logging.
    const filter = `labels."run.googleapis.com/execution_name"="${runningName.split('/').pop()}" AND timestamp>="2000-01-01T00:00:00Z"`;
    for (let seen = false; !seen;) seen = (await sim.logging.getEntries({ filter }))[0].some((e) => e.data === 'started');
    const [fnOp] = await sim.functions.createFunction({ parent: PARENT, functionId: 'keep-fn', function: { buildConfig: { environmentVariables: { [IMAGE_VARIABLE]: 'busybox:latest' } } } });
    await fnOp.promise();

    await sim.restart();

    const [gotJob] = await sim.jobs.getJob({ name: job.name });
    expect(gotJob).toMatchObject({ labels: { keep: 'yes' }, executionCount: 2 });
    const [gotFinished] = await sim.executions.getExecution({ name: finished.name });
    expect(gotFinished).toMatchObject({ failedCount: 1 });
    const [[task]] = await sim.tasks.listTasks({ parent: finished.name });
    expect(task.lastAttemptResult?.exitCode).toBe(3);
    const [gotRunning] = await sim.executions.getExecution({ name: runningName });
    expect(gotRunning.completionTime).toBeTruthy();
    expect(gotRunning.conditions?.find((c) => c.type === 'Completed')).toMatchObject({ state: 'CONDITION_FAILED', message: expect.stringContaining('simulator restarted') });
    // Its run operation ended with it.
    const [op] = await sim.jobs.getOperation({ name: runningOp.name! } as never);
    expect(op.done).toBe(true);
    const [logs] = await sim.logging.getEntries({ filter: `resource.type="cloud_run_job" AND labels."run.googleapis.com/execution_name"="${finished.name!.split('/').pop()}" AND logName="projects/${PROJECT}/logs/run.googleapis.com%2Fstdout"` });
    expect(logs.map((e) => e.data)).toEqual(['kept']);
    expect((await sim.functions.getFunction({ name: `${PARENT}/functions/keep-fn` }))[0].state).toBe('ACTIVE');
    // It still runs executions.
    const [again] = await sim.jobs.runJob({ name: job.name, overrides: { containerOverrides: [{ args: ['true'] }] } });
    expect((await again.promise())[0].succeededCount).toBe(1);
  });
});

describe('quota', () => {
  let sim: TestSimulator;
  beforeAll(async () => { sim = await startSimulator({ quota: { ratePerSecond: 0.001, burst: 2 } }); });
  afterAll(async () => { await sim?.close(); });

  test('past the burst, every service answers 429 RESOURCE_EXHAUSTED, each with its own bucket', async () => {
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/a` }), 404, 'NOT_FOUND');
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/a` }), 404, 'NOT_FOUND');
    const message = await expectGoogleError(sim.jobs.listJobs({ parent: PARENT }), 429, 'RESOURCE_EXHAUSTED');
    expect(message).toContain('Quota exceeded');
    // Functions and Logging draw on their own quota.
    await sim.functions.listFunctions({ parent: PARENT });
    await sim.loggingApi.listLogEntries({ resourceNames: [`projects/${PROJECT}`] }, { autoPaginate: false });
    const raw = await fetch(`${sim.endpoint}/v2/${PARENT}/jobs`);
    expect(raw.status).toBe(429);
    expect(await raw.json()).toEqual({ error: { code: 429, message: expect.stringContaining('Quota exceeded'), status: 'RESOURCE_EXHAUSTED' } });
  });
});
