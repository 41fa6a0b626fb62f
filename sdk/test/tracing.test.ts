/** The tracing contract's helpers: runToEnd's timing of `end`, the no-op tracer, and the AWS client middleware. */
import { noopTracer, runToEnd, traceAwsClient, type Span, type SpanAttributes, type Tracer } from '../src';

interface Recorded { name: string; attributes: Record<string, unknown>; errors: string[]; ended: boolean; kind?: string }

/** A tracer that records its spans, on runToEnd as a real implementation uses it. */
function recordingTracer(): Tracer & { spans: Recorded[] } {
  const spans: Recorded[] = [];
  return {
    enabled: true,
    spans,
    span<T>(name: string, attributes: SpanAttributes, fn: (span: Span) => T, options?: { kind?: string }): T {
      const rec: Recorded = { name, attributes: { ...attributes }, errors: [], ended: false, kind: options?.kind };
      spans.push(rec);
      const span: Span = {
        setAttribute: (k, v) => { rec.attributes[k] = v; },
        updateName: (n) => { rec.name = n; },
        recordException: (err) => { rec.errors.push((err as Error).message); },
        setError: (m) => { rec.errors.push(m); },
      };
      return runToEnd(span, () => { rec.ended = true; }, fn);
    },
  };
}

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
    { name: 'AWS ECS.RunTask', kind: 'client', ended: true, errors: [], attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'ECS', 'rpc.method': 'RunTask', 'aws.request_id': 'req-1', 'http.response.status_code': 200, 'aws.attempts': 1 } },
    { name: 'AWS CloudWatchLogs.GetLogEvents', kind: 'client', ended: true, errors: ['throttled'], attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'CloudWatchLogs', 'rpc.method': 'GetLogEvents', 'aws.request_id': 'req-2', 'http.response.status_code': 400, 'aws.attempts': 3 } },
  ]);
});
