/** Cloud Functions v2 and Cloud Logging v2 on the simulator through the official clients (REST fallback). */
import { BUSYBOX, expectGoogleError, PARENT, PROJECT, shellJob, startSimulator, type TestSimulator } from './helpers';
import { IMAGE_VARIABLE } from '../src/functions/api';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.close(); });

/** A gen2 function whose image's workload is `sh -c script` (the entrypoint given as the image's; here busybox's sh reads the script). */
async function createFunction(functionId: string, extra: Record<string, unknown> = {}) {
  const [op] = await sim.functions.createFunction({
    parent: PARENT, functionId,
    function: {
      labels: { owner: 'tests' },
      buildConfig: { runtime: 'nodejs20', entryPoint: 'handler', environmentVariables: { [IMAGE_VARIABLE]: BUSYBOX } },
      serviceConfig: { timeoutSeconds: 30, environmentVariables: { GREETING: 'hello' } },
      ...extra,
    } as never,
  });
  const [fn] = await op.promise();
  return fn;
}

describe('Cloud Functions v2', () => {
  test('create (LRO), get, list with paging, delete (LRO)', async () => {
    const fn = await createFunction('fn-a');
    expect(fn).toMatchObject({ name: `${PARENT}/functions/fn-a`, labels: { owner: 'tests' } });
    // An LRO result is a protobuf message: the state is a number there (1 = ACTIVE); a plain get names it.
    expect(fn.state).toBe(1);
    expect(fn.serviceConfig?.uri).toBe(`${sim.endpoint}/functions/${PROJECT}/us-central1/fn-a`);
    const [got] = await sim.functions.getFunction({ name: fn.name });
    expect(got).toMatchObject({ state: 'ACTIVE', environment: 'GEN_2', url: fn.serviceConfig?.uri });
    await createFunction('fn-b');
    await createFunction('fn-c');
    const [page1, , resp] = await sim.functions.listFunctions({ parent: PARENT, pageSize: 2 }, { autoPaginate: false });
    expect(page1.map((f) => f.name)).toEqual([`${PARENT}/functions/fn-a`, `${PARENT}/functions/fn-b`]);
    const [page2] = await sim.functions.listFunctions({ parent: PARENT, pageSize: 2, pageToken: resp!.nextPageToken! }, { autoPaginate: false });
    expect(page2.map((f) => f.name)).toEqual([`${PARENT}/functions/fn-c`]);
    const [delOp] = await sim.functions.deleteFunction({ name: `${PARENT}/functions/fn-c` });
    await delOp.promise();
    await expectGoogleError(sim.functions.getFunction({ name: `${PARENT}/functions/fn-c` }), 404, 'NOT_FOUND');
  });

  test('errors: ALREADY_EXISTS, INVALID_ARGUMENT, NOT_FOUND; source builds are UNIMPLEMENTED (501)', async () => {
    await createFunction('fn-dup');
    await expectGoogleError(createFunction('fn-dup'), 409, 'ALREADY_EXISTS');
    await expectGoogleError(createFunction('Bad_Name'), 400, 'INVALID_ARGUMENT');
    await expectGoogleError(sim.functions.deleteFunction({ name: `${PARENT}/functions/nope` }), 404, 'NOT_FOUND');
    await expect(createFunction('fn-noimg', { buildConfig: { environmentVariables: { [IMAGE_VARIABLE]: 'nowhere/none:1' } } })).rejects.toMatchObject({ code: 5 });
    await expectGoogleError(sim.functions.getFunction({ name: `${PARENT}/functions/fn-noimg` }), 404, 'NOT_FOUND');
    await expectGoogleError(createFunction('fn-src', { buildConfig: { runtime: 'nodejs20', entryPoint: 'h', source: { storageSource: { bucket: 'b', object: 'o.zip' } } } }), 501, 'UNIMPLEMENTED');
  });

  test('invoking the function URL runs its image with the body on stdin; stdout is the answer, the exit code decides the status', async () => {
    const fn = await createFunction('fn-echo', { serviceConfig: { environmentVariables: { GREETING: 'hello' } } });
    const uri = fn.serviceConfig!.uri!;
    // busybox's image runs `/bin/sh`, which reads its script from stdin: the request body.
    const ok = await fetch(uri, { method: 'POST', body: 'echo "$GREETING from $K_SERVICE"; echo to-stderr >&2' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('hello from fn-echo\n');
    expect(ok.headers.get('x-sockerless-exit-code')).toBe('0');
    const failed = await fetch(`${uri}/sub/path`, { method: 'POST', body: 'echo "$REQUEST_PATH"; exit 4' });
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-sockerless-exit-code')).toBe('4');
    expect(await failed.text()).toBe('sub/path\n');
    expect((await fetch(`${sim.endpoint}/functions/${PROJECT}/us-central1/nope`, { method: 'POST' })).status).toBe(404);
    // Its output is in Cloud Logging as a gen2 function's (the Cloud Run service behind it).
    const [entries] = await sim.loggingApi.listLogEntries({
      resourceNames: [`projects/${PROJECT}`], filter: 'resource.type="cloud_run_revision" AND resource.labels.service_name="fn-echo"', orderBy: 'timestamp asc',
    }, { autoPaginate: false });
    // stdout and stderr are two pipes: their lines interleave in any order.
    const lines = entries.map((e: { textPayload?: string | null; severity?: unknown }) => [e.textPayload, e.severity]);
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(expect.arrayContaining([['hello from fn-echo', 'INFO'], ['to-stderr', 'ERROR'], ['sub/path', 'INFO']]));
  });
});

describe('Cloud Logging v2', () => {
  test("a Cloud Run job's stdout/stderr, filtered by resource.type and the execution label, in both orders", async () => {
    const [op] = await sim.jobs.createJob({ parent: PARENT, jobId: 'logs', job: shellJob('echo one; echo two >&2; echo three') as never });
    const [job] = await op.promise();
    const [runOp] = await sim.jobs.runJob({ name: job.name });
    const [execution] = await runOp.promise();
    const executionId = execution.name!.split('/').pop();
    // stdout and stderr are two pipes, so only each one's own order is certain, as on Cloud Run.
    const filter = `resource.type="cloud_run_job" AND labels."run.googleapis.com/execution_name"="${executionId}" AND logName="projects/${PROJECT}/logs/run.googleapis.com%2Fstdout"`;
    const [asc] = await sim.logging.getEntries({ filter, orderBy: 'timestamp asc' });
    expect(asc.map((e) => e.data)).toEqual(['one', 'three']);
    const [stderr] = await sim.logging.getEntries({ filter: filter.replace('stdout', 'stderr') });
    expect(stderr.map((e) => e.data)).toEqual(['two']);
    expect(stderr[0].metadata).toMatchObject({ severity: 'ERROR', logName: `projects/${PROJECT}/logs/run.googleapis.com%2Fstderr`, resource: { type: 'cloud_run_job', labels: { job_name: 'logs', location: 'us-central1', project_id: PROJECT } } });
    const [desc] = await sim.logging.getEntries({ filter, orderBy: 'timestamp desc' });
    expect(desc.map((e) => e.data)).toEqual(['three', 'one']);
  });

  test('entries:write then entries:list: jsonPayload, severity, timestamp bounds and page tokens', async () => {
    const log = sim.logging.log('app');
    const resource = { type: 'global', labels: { project_id: PROJECT } };
    const base = Date.parse('2026-01-01T00:00:00Z');
    await log.write([0, 1, 2, 3, 4].map((i) => log.entry({ resource, timestamp: new Date(base + i * 1000), severity: i % 2 ? 'WARNING' : 'INFO', labels: { batch: 'w1' } }, { n: i })));
    const between = `timestamp>="2026-01-01T00:00:01Z" AND timestamp<"2026-01-01T00:00:04Z" AND labels.batch="w1"`;
    const [entries] = await sim.logging.getEntries({ filter: between, orderBy: 'timestamp asc' });
    expect(entries.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
    const [warnings] = await sim.logging.getEntries({ filter: 'severity>=WARNING AND labels.batch="w1" AND timestamp>="2026-01-01T00:00:00Z"', orderBy: 'timestamp asc' });
    expect(warnings.map((e) => (e.data as { n: number }).n)).toEqual([1, 3]);

    const [page1, next, resp] = await sim.loggingApi.listLogEntries({ resourceNames: [`projects/${PROJECT}`], filter: 'labels.batch="w1"', orderBy: 'timestamp asc', pageSize: 2 }, { autoPaginate: false });
    expect(page1).toHaveLength(2);
    expect(resp?.nextPageToken).toBeTruthy();
    const [page2] = await sim.loggingApi.listLogEntries({ ...next!, pageSize: 10 }, { autoPaginate: false });
    expect(page2).toHaveLength(3);
    expect(page2[0].jsonPayload?.fields?.n).toMatchObject({ numberValue: 2 });
    // insertIds increase in the order entries were stored: a reader resumes after the last one it saw.
    const [after] = await sim.loggingApi.listLogEntries({ resourceNames: [`projects/${PROJECT}`], filter: `labels.batch="w1" AND insertId>"${page1[1].insertId}"`, orderBy: 'timestamp asc' }, { autoPaginate: false });
    expect(after.map((e: { insertId?: string | null }) => e.insertId)).toEqual(page2.map((e: { insertId?: string | null }) => e.insertId));
  });

  test('bad requests: INVALID_ARGUMENT for an unparseable filter, an unknown field, a bad orderBy', async () => {
    const list = (filter: string, orderBy = 'timestamp asc') => sim.loggingApi.listLogEntries({ resourceNames: [`projects/${PROJECT}`], filter, orderBy }, { autoPaginate: false });
    await expectGoogleError(list('resource.type=('), 400, 'INVALID_ARGUMENT');
    await expectGoogleError(list('httpRequest.status=500'), 400, 'INVALID_ARGUMENT');
    await expectGoogleError(list('', 'severity desc'), 400, 'INVALID_ARGUMENT');
    await expectGoogleError(sim.loggingApi.writeLogEntries({ entries: [{ textPayload: 'x' }] }), 400, 'INVALID_ARGUMENT');
  });
});
