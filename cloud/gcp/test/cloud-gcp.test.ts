/**
 * The shared Google Cloud pieces against the Google Cloud simulator through the official clients (REST):
 * the error mapper on Google's real answers, the retry of an exhausted quota, the Cloud Logging follower and
 * a span per call.
 */
import { v2 as runV2 } from '@google-cloud/run';
import { RecordingTracer } from '@sockerless/sdk/testing';
import { startSimulator, PARENT, PROJECT, shellJob, type TestSimulator } from '../../../plugins/sim-gcp/test/helpers';
import { callGoogle, googleCall, googleClientOptions, googleProject, LogEntriesFollower, OFF_GOOGLE_PROJECT, mapGoogleError, operationOutcome, traceGoogleCall, useGeneratedOperationDecoders, type LogEntriesLister } from '../src';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); }, 120_000);
afterAll(async () => { await sim?.close(); });

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('the call succeeded'); }, (err: unknown) => err);
}

test('Google\'s answers become Docker\'s statuses, with a message naming the service and Google\'s code', async () => {
  const missing = await failure(sim.jobs.getJob({ name: `${PARENT}/jobs/nope` }));
  expect(mapGoogleError(missing, 'run')).toMatchObject({ code: 'NotFound', message: expect.stringMatching(/^run: NOT_FOUND: .*nope/) });
  const invalid = await failure(sim.jobs.createJob({ parent: PARENT, jobId: 'Not_Valid', job: shellJob('true') }));
  expect(mapGoogleError(invalid, 'run')).toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('run: INVALID_ARGUMENT: ') });
  const [op] = await sim.jobs.createJob({ parent: PARENT, jobId: 'twice', job: shellJob('true') });
  await op.promise();
  const twice = await failure(sim.jobs.createJob({ parent: PARENT, jobId: 'twice', job: shellJob('true') }));
  expect(mapGoogleError(twice, 'run')).toMatchObject({ code: 'Conflict', message: expect.stringContaining('run: ALREADY_EXISTS: ') });
  // An error inside a finished operation (a GoogleError with the google.rpc code): an image that is not there.
  const [badImage] = await sim.jobs.createJob({ parent: PARENT, jobId: 'no-image', job: { template: { template: { containers: [{ image: 'nothere:1' }] } } } });
  expect(mapGoogleError(await failure(badImage.promise()), 'run')).toMatchObject({ code: 'NotFound', message: expect.stringContaining("run: NOT_FOUND: Image 'nothere:1' not found") });
  // Nothing answered at all.
  const gone = new runV2.JobsClient(await googleClientOptions({ project: PROJECT, region: 'us-central1', endpoint: 'http://127.0.0.1:9' }));
  expect(mapGoogleError(await failure(gone.getJob({ name: `${PARENT}/jobs/x` })), 'run')).toMatchObject({ code: 'Unavailable', message: expect.stringContaining('run: Google Cloud is unreachable') });
  await gone.close();
});

test('an operation done in its first answer gives its outcome from that answer, as promise() would', async () => {
  const [op] = await sim.jobs.createJob({ parent: PARENT, jobId: 'outcome', job: shellJob('true') });
  expect(op.done).toBe(true);
  const job = await operationOutcome(op);
  expect(job).toMatchObject({ name: `${PARENT}/jobs/outcome` });
  expect(job).toEqual((await op.promise())[0]);
  const [badImage] = await sim.jobs.createJob({ parent: PARENT, jobId: 'outcome-no-image', job: { template: { template: { containers: [{ image: 'nothere:1' }] } } } });
  const viaFirstAnswer = mapGoogleError(await failure(operationOutcome(badImage)), 'run');
  expect(viaFirstAnswer).toMatchObject({ code: 'NotFound', message: expect.stringContaining("run: NOT_FOUND: Image 'nothere:1' not found") });
  expect(viaFirstAnswer.message).toBe(mapGoogleError(await failure(badImage.promise()), 'run').message);
  const [deleted] = await sim.jobs.deleteJob({ name: `${PARENT}/jobs/outcome` });
  await expect(operationOutcome(deleted)).resolves.toMatchObject({ name: `${PARENT}/jobs/outcome` });
});

test('the long-running answers decode alike through decoders protobufjs builds once', async () => {
  const jobs = new runV2.JobsClient(await googleClientOptions({ project: PROJECT, region: 'us-central1', endpoint: sim.endpoint }));
  try {
    const [asShipped] = await jobs.createJob({ parent: PARENT, jobId: 'decoders-shipped', job: shellJob('true') });
    const jobType = (jobs as unknown as { _protos: { lookupType(n: string): { setup(): unknown } } })._protos.lookupType('.google.cloud.run.v2.Job');
    const job = '.google.cloud.run.v2.Job';
    const execution = '.google.cloud.run.v2.Execution';
    useGeneratedOperationDecoders(jobs, { createJob: { response: job, metadata: job }, runJob: { response: execution, metadata: execution } });
    // Every protobufjs type's setup, counted for the Job type (the shipped decoders' types included).
    const typePrototype = Object.getPrototypeOf(jobType) as { setup(this: { fullName: string }): unknown };
    const originalSetup = typePrototype.setup;
    let jobSetups = 0;
    const setup = jest.spyOn(typePrototype, 'setup').mockImplementation(function (this: { fullName: string }) {
      if (this.fullName === job) jobSetups++;
      return originalSetup.call(this);
    });
    const made = [];
    for (const id of ['decoders-1', 'decoders-2', 'decoders-3']) made.push((await jobs.createJob({ parent: PARENT, jobId: id, job: shellJob('true') }))[0]);
    // At most the first answer sets the type up; the decoders as shipped did it on every answer.
    setup.mockRestore();
    expect(jobSetups).toBeLessThanOrEqual(1);
    const shape = (j: unknown) => ({ ...(j as object), name: undefined, uid: undefined, etag: undefined, createTime: undefined, updateTime: undefined, terminalCondition: { ...(j as { terminalCondition: object }).terminalCondition, lastTransitionTime: undefined } });
    expect(made[2].result).toMatchObject({ name: `${PARENT}/jobs/decoders-3` });
    expect(shape(made[2].result)).toEqual({ ...shape(asShipped.result) });
    const [run] = await jobs.runJob({ name: `${PARENT}/jobs/decoders-1` });
    expect(run.metadata).toMatchObject({ name: expect.stringContaining(`${PARENT}/jobs/decoders-1/executions/`) });
    expect((await run.promise())[0]).toMatchObject({ succeededCount: 1 });
  } finally {
    await jobs.close();
  }
});

test('an exhausted quota is retried with backoff, then answers 503 naming it', async () => {
  const limited = await startSimulator({ quota: { ratePerSecond: 0.001, burst: 1 } });
  try {
    let calls = 0;
    const call = () => { calls++; return limited.jobs.getJob({ name: `${PARENT}/jobs/any` }); };
    await expect(googleCall(call, 'run', { attempts: 1 })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(googleCall(call, 'run', { attempts: 3, baseDelayMs: 5 })).rejects.toMatchObject({
      code: 'Unavailable', message: expect.stringMatching(/^run: RESOURCE_EXHAUSTED: .*Quota exceeded.*\(after 3 attempts\)$/),
    });
    expect(calls).toBe(4);
  } finally {
    await limited.close();
  }
});

test('the follower returns each entry once, as it arrives, in order', async () => {
  const log = `projects/${PROJECT}/logs/follower-test`;
  const write = (texts: string[]) => sim.loggingApi.writeLogEntries({
    entries: texts.map((textPayload) => ({ logName: log, resource: { type: 'global' }, textPayload, labels: { case: 'follow' } })),
  });
  const follower = new LogEntriesFollower(sim.loggingApi as unknown as LogEntriesLister, PROJECT, 'labels.case="follow"');
  expect(await follower.read()).toEqual([]);
  await write(['a', 'b']);
  expect((await follower.read()).map((e) => e.textPayload)).toEqual(['a', 'b']);
  expect(await follower.read()).toEqual([]);
  await write(['c']);
  await write(['d']);
  expect((await follower.read()).map((e) => e.textPayload)).toEqual(['c', 'd']);
});

test('a span per Google call, with the request id and, on a failure, Google\'s status', async () => {
  const tracer = new RecordingTracer();
  await traceGoogleCall(tracer, 'run', 'ListJobs', () => sim.jobs.listJobs({ parent: PARENT }));
  await traceGoogleCall(tracer, 'run', 'GetJob', () => sim.jobs.getJob({ name: `${PARENT}/jobs/nope` })).catch(() => undefined);
  expect(tracer.spans.map((s) => [s.name, s.kind, s.ended])).toEqual([['GCP run.ListJobs', 'client', true], ['GCP run.GetJob', 'client', true]]);
  expect(tracer.spans[0].attributes).toMatchObject({ 'rpc.system': 'gcp-api', 'rpc.service': 'run', 'rpc.method': 'ListJobs', 'gcp.request_id': expect.stringMatching(/^[0-9a-f-]{36}$/) });
  expect(tracer.spans[1].attributes['gcp.status']).toBe(404);
  expect(tracer.spans[1].errors.length).toBe(1);
});

test('callGoogle: a span per call, the call sent with its request id, Google\'s error mapped', async () => {
  const tracer = new RecordingTracer();
  const sent: string[] = [];
  await callGoogle({ tracer, attempts: 1 }, 'run', 'ListJobs', (o) => { sent.push(o.otherArgs.headers['x-goog-request-id']); return sim.jobs.listJobs({ parent: PARENT }, o); });
  const missing = await failure(callGoogle({ tracer, attempts: 1 }, 'run', 'GetJob', (o) => sim.jobs.getJob({ name: `${PARENT}/jobs/nope` }, o)));
  expect(sent).toEqual([tracer.spans[0].attributes['gcp.request_id']]);
  expect(missing).toMatchObject({ code: 'NotFound', message: expect.stringMatching(/^run: NOT_FOUND: /) });
  expect(tracer.spans.map((s) => s.name)).toEqual(['GCP run.ListJobs', 'GCP run.GetJob']);
});

test('googleProject: the option, else GOOGLE_CLOUD_PROJECT, else a placeholder only off Google', () => {
  const saved = process.env.GOOGLE_CLOUD_PROJECT;
  try {
    delete process.env.GOOGLE_CLOUD_PROJECT;
    expect(googleProject('mine', undefined)).toBe('mine');
    expect(googleProject(undefined, 'http://127.0.0.1:1')).toBe(OFF_GOOGLE_PROJECT);
    expect(googleProject(undefined, undefined)).toBeUndefined();
    process.env.GOOGLE_CLOUD_PROJECT = 'from-env';
    expect(googleProject(undefined, 'http://127.0.0.1:1')).toBe('from-env');
  } finally {
    if (saved === undefined) delete process.env.GOOGLE_CLOUD_PROJECT; else process.env.GOOGLE_CLOUD_PROJECT = saved;
  }
});
