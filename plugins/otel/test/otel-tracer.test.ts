/**
 * The otel plugin's tracer on OpenTelemetry's own SDK (BasicTracerProvider, InMemorySpanExporter): parents
 * follow async calls, concurrent requests stay apart, a caller's traceparent is honoured, nothing global.
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, TraceIdRatioBasedSampler, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';
import { OtelTracer, remoteParent } from '../src';

function tracerWith(opts: { ratio?: number } = {}) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(memory)],
    ...(opts.ratio !== undefined ? { sampler: new TraceIdRatioBasedSampler(opts.ratio) } : {}),
  });
  return { tracer: new OtelTracer(provider.getTracer('test')), memory };
}

const byName = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name)!;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('children follow awaits, timers and detached promises; two concurrent roots keep their own children', async () => {
  const { tracer, memory } = tracerWith();
  const request = (n: string) => tracer.span(`root ${n}`, { n }, async () => {
    await tick(5);
    await tracer.span(`child ${n}`, {}, async () => { await tick(5); });
    await new Promise<void>((r) => setTimeout(() => { tracer.span(`timer ${n}`, {}, () => undefined); r(); }, 1));
  });
  await Promise.all([request('a'), request('b')]);
  const spans = memory.getFinishedSpans();
  for (const n of ['a', 'b']) {
    const root = byName(spans, `root ${n}`);
    expect(root.parentSpanContext).toBeUndefined();
    for (const child of [`child ${n}`, `timer ${n}`]) {
      expect(byName(spans, child).parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(byName(spans, child).spanContext().traceId).toBe(root.spanContext().traceId);
    }
  }
  expect(byName(spans, 'root a').spanContext().traceId).not.toBe(byName(spans, 'root b').spanContext().traceId);
  // Nothing was registered globally: OpenTelemetry's own API sees no active span anywhere.
  await tracer.span('inside', {}, async () => { expect(trace.getActiveSpan()).toBeUndefined(); });
});

test("a caller's traceparent makes the span its child; an invalid one starts a trace of its own", () => {
  const { tracer, memory } = tracerWith();
  tracer.span('joined', {}, () => undefined, { kind: 'server', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  tracer.span('fresh', {}, () => undefined, { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' });
  const joined = byName(memory.getFinishedSpans(), 'joined');
  expect(joined.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  expect(joined.parentSpanContext).toMatchObject({ spanId: 'b7ad6b7169203331', isRemote: true });
  expect(joined.kind).toBe(1);
  expect(byName(memory.getFinishedSpans(), 'fresh').parentSpanContext).toBeUndefined();
  for (const bad of ['', 'garbage', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01']) {
    expect(remoteParent(bad)).toBeUndefined();
  }
});

test('attributes left undefined are dropped; a throw marks the span failed and is passed on', async () => {
  const { tracer, memory } = tracerWith();
  await expect(tracer.span('fails', { kept: 'yes', dropped: undefined }, async (span) => {
    span.setAttribute('later', 3);
    span.updateName('renamed');
    throw new Error('refused');
  })).rejects.toThrow('refused');
  const [span] = memory.getFinishedSpans();
  expect(span.name).toBe('renamed');
  expect(span.attributes).toEqual({ kept: 'yes', later: 3 });
  expect(span.status).toMatchObject({ code: 2, message: 'refused' });
  expect(span.events.map((e) => e.name)).toEqual(['exception']);
});

test('with a sample ratio of 0 the functions still run and nothing is recorded', async () => {
  const { tracer, memory } = tracerWith({ ratio: 0 });
  await expect(tracer.span('unsampled', {}, async () => tracer.span('child', {}, () => 5))).resolves.toBe(5);
  expect(memory.getFinishedSpans()).toEqual([]);
});
