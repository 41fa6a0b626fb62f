/** The tracing contract's helpers: runToEnd's timing of `end` (through RecordingTracer), the no-op tracer. */
import { noopTracer } from '../src';
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

test('RecordingTracer: a span started inside another is its child, across awaits', async () => {
  const t = recordingTracer();
  await t.span('outer', {}, async () => {
    await new Promise((r) => setTimeout(r, 1));
    t.span('inner', {}, () => undefined);
  });
  t.span('next root', {}, () => undefined);
  expect(t.spans.map((s) => [s.name, s.parent?.name])).toEqual([['outer', undefined], ['inner', 'outer'], ['next root', undefined]]);
});
