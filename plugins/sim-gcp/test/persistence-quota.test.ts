/**
 * State survives a simulator restart on the same state dir; a configured quota answers 429 RESOURCE_EXHAUSTED;
 * fault rules (from the options, or PUT /sockerless/faults) fail the requests they match with a Google error.
 */
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

describe('faults', () => {
  let sim: TestSimulator;
  const faults = async (method: string, body?: unknown) => {
    const r = await fetch(`${sim.endpoint}/sockerless/faults`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    return { status: r.status, json: await r.json() as { faults?: Array<{ matched: number; failed: number }>; error?: { status: string; message: string } } };
  };
  beforeAll(async () => { sim = await startSimulator({ faults: [{ service: 'run', method: 'GET', path: '/jobs/flaky$', error: 'UNAVAILABLE', every: 2 }] }); });
  afterAll(async () => { await sim?.close(); });

  test('a rule from the options fails one matching request in `every`, with Google\'s error shape', async () => {
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/flaky` }), 503, 'UNAVAILABLE');
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/flaky` }), 404, 'NOT_FOUND');
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/flaky` }), 503, 'UNAVAILABLE');
    // Other paths are not matched.
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/steady` }), 404, 'NOT_FOUND');
    expect((await faults('GET')).json.faults).toEqual([expect.objectContaining({ error: 'UNAVAILABLE', every: 2, matched: 3, failed: 2 })]);
  });

  test('PUT replaces the rules (times bounds one), DELETE clears them, a bad rule is a 400 naming its field', async () => {
    expect((await faults('PUT', { faults: [{ service: 'logging', error: 'RESOURCE_EXHAUSTED', times: 1, message: 'Quota exceeded (injected)' }] })).status).toBe(200);
    const first = await fetch(`${sim.endpoint}/v2/entries:list`, { method: 'POST', body: JSON.stringify({ resourceNames: [`projects/${PROJECT}`] }) });
    expect(first.status).toBe(429);
    expect(await first.json()).toEqual({ error: { code: 429, message: 'Quota exceeded (injected)', status: 'RESOURCE_EXHAUSTED' } });
    expect((await fetch(`${sim.endpoint}/v2/entries:list`, { method: 'POST', body: JSON.stringify({ resourceNames: [`projects/${PROJECT}`] }) })).status).toBe(200);
    const bad = await faults('PUT', { faults: [{ error: 'TEAPOT' }] });
    expect(bad).toMatchObject({ status: 400, json: { error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('faults.0.error') } } });
    expect((await faults('DELETE')).json).toEqual({ faults: [] });
    await expectGoogleError(sim.jobs.getJob({ name: `${PARENT}/jobs/flaky` }), 404, 'NOT_FOUND');
  });
});
