/** The tracing contract's helpers: runToEnd's timing of `end` (through RecordingTracer), the no-op tracer, the AWS client middleware. */
import { noopTracer, traceAwsClient } from '../src';
import { RecordingTracer } from '../src/testing';

const recordingTracer = () => new RecordingTracer();

test('runToEnd: a synchronous function stays synchronous and ends its span at once', () => {
  const t = recordingTracer();
  expect(t.span('sync', {}, () => 42)).toBe(42);
  expect(t.spans[0]).toMatchObject({ ended: true, errors: [] });
  expect(() => t.span('throws', {}, () => { throw new Error('boom'); })).toThrow('boom');
  expect(t.spans[1]).toMatchObject({ ended: true, errors: ['boom'] });
});

test('runToEnd: an async function ends its span when its promise settles, rejection recorded and passed on', async () => {
  const t = recordingTracer();
  let release!: () => void;
  const pending = t.span('async', {}, () => new Promise<string>((r) => { release = () => r('done'); }));
  expect(t.spans[0].ended).toBe(false);
  release();
  await expect(pending).resolves.toBe('done');
  expect(t.spans[0].ended).toBe(true);
  await expect(t.span('rejects', {}, async () => { throw new Error('no'); })).rejects.toThrow('no');
  expect(t.spans[1]).toMatchObject({ ended: true, errors: ['no'] });
});

test('the no-op tracer only runs the function', async () => {
  expect(noopTracer.enabled).toBe(false);
  expect(noopTracer.span('x', {}, (span) => { span.setAttribute('a', 1); span.recordException(new Error('e')); return 'ok'; })).toBe('ok');
  await expect(noopTracer.span('y', {}, async () => 7)).resolves.toBe(7);
});

/** The shape of an AWS SDK v3 middleware stack, enough to run what traceAwsClient adds. */
function fakeClient() {
  const added: Array<{ mw: (next: (a: unknown) => Promise<unknown>, ctx: Record<string, string>) => (a: unknown) => Promise<unknown>; opts: { step: string; name: string } }> = [];
  return { added, middlewareStack: { add: (mw: never, opts: never) => { added.push({ mw, opts }); } } };
}

test('traceAwsClient adds nothing when tracing is off', () => {
  const client = fakeClient();
  traceAwsClient(client, noopTracer);
  traceAwsClient(client, undefined);
  expect(client.added).toEqual([]);
});

test('traceAwsClient: one client span per call with the service, method and AWS request id, failed calls too', async () => {
  const t = recordingTracer();
  const client = fakeClient();
  traceAwsClient(client, t);
  expect(client.added.map((a) => a.opts)).toEqual([{ step: 'initialize', name: 'sockerlessTracing', override: true }]);
  const { mw } = client.added[0];
  const ok = mw(async () => ({ output: { $metadata: { requestId: 'req-1', httpStatusCode: 200, attempts: 1 } } }), { clientName: 'ECSClient', commandName: 'RunTaskCommand' });
  await ok({});
  const failing = mw(async () => { throw Object.assign(new Error('throttled'), { $metadata: { requestId: 'req-2', httpStatusCode: 400, attempts: 3 } }); },
    { clientName: 'CloudWatchLogsClient', commandName: 'GetLogEventsCommand' });
  await expect(failing({})).rejects.toThrow('throttled');
  expect(t.spans).toEqual([
    { name: 'AWS ECS.RunTask', kind: 'client', parent: undefined, ended: true, errors: [], attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'ECS', 'rpc.method': 'RunTask', 'aws.request_id': 'req-1', 'http.response.status_code': 200, 'aws.attempts': 1 } },
    { name: 'AWS CloudWatchLogs.GetLogEvents', kind: 'client', parent: undefined, ended: true, errors: ['throttled'], attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'CloudWatchLogs', 'rpc.method': 'GetLogEvents', 'aws.request_id': 'req-2', 'http.response.status_code': 400, 'aws.attempts': 3 } },
  ]);
});

test('RecordingTracer: a span started inside another is its child, across awaits', async () => {
  const t = recordingTracer();
  await t.span('outer', {}, async () => {
    await new Promise((r) => setTimeout(r, 1));
    t.span('inner', {}, () => undefined);
  });
  t.span('next root', {}, () => undefined);
  expect(t.spans.map((s) => [s.name, s.parent?.name])).toEqual([['outer', undefined], ['inner', 'outer'], ['next root', undefined]]);
});
