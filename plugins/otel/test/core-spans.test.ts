/**
 * The plugin's wrappers around the core's calls (core-spans.ts): driver, store and admission calls are spans,
 * a driver's optional methods stay optional, and a tracer that does nothing wraps nothing.
 */
import { noopTracer, type AdmissionController, type BackendDriver } from '@sockerless/sdk';
import { MemoryStateStore, RecordingTracer } from '@sockerless/sdk/testing';
import { tracedAdmission, tracedDriver, tracedStore } from '../src/core-spans';

const recordingTracer = () => new RecordingTracer();

function driver(): BackendDriver {
  return {
    kind: 'fake',
    available: () => true,
    create: async () => undefined,
    start: async () => { throw new Error('not here'); },
    signal: async () => undefined,
    remove: async () => undefined,
    list: async () => [],
  };
}

test('tracing off: the driver, the store and the admission controllers are the plugins\' own objects', () => {
  const d = driver();
  expect(tracedDriver(d, noopTracer, 'one')).toBe(d);
  const store = new MemoryStateStore();
  expect(tracedStore(store, noopTracer, 'store-test')).toBe(store);
  const admission: AdmissionController = { name: 'gate', onCreate: () => undefined };
  expect(tracedAdmission(admission, noopTracer)).toBe(admission);
});

test('tracing on: each driver call is a span with the instance and container; optional methods stay absent', async () => {
  const t = recordingTracer();
  const traced = tracedDriver(driver(), t, 'one');
  expect(traced.exec).toBeUndefined();
  expect(traced.kind).toBe('fake');
  expect(traced.available!()).toBe(true);
  await traced.signal('c1', 'SIGTERM');
  await expect(traced.start({ id: 'c2' } as never)).rejects.toThrow('not here');
  expect(t.names()).toEqual(['backend.signal', 'backend.start']);
  expect(t.spans[0].attributes).toEqual({ 'sockerless.backend': 'one', 'sockerless.backend.kind': 'fake', 'sockerless.container.id': 'c1' });
  expect(t.spans[1].attributes['sockerless.container.id']).toBe('c2');
});

test('tracing on: store writes and admission calls are spans; reads and visibility checks are not', async () => {
  const t = recordingTracer();
  const store = tracedStore(new MemoryStateStore(), t, 'store-test');
  const gate = tracedAdmission({ name: 'gate', onCreate: () => undefined, canSee: () => true }, t);
  await store.put('container', { id: 'c1' });
  await store.loadAll('container');
  await gate.onCreate!({} as never);
  expect(gate.canSee!({} as never, {})).toBe(true);
  expect(gate.onStart).toBeUndefined();
  expect(t.names()).toEqual(['store.put', 'admission.gate.onCreate']);
  expect(t.spans[0].attributes).toMatchObject({ 'sockerless.store.kind': 'container', 'sockerless.record.id': 'c1' });
});

test('tracing on: a driver class with #private fields works through the wrapper', async () => {
  class PrivateDriver {
    readonly kind = 'private';
    #calls = 0;
    get busy() { return this.#calls > 99; }
    async remove(): Promise<void> { this.#calls++; }
    count(): number { return this.#calls; }
  }
  const t = recordingTracer();
  const inner = new PrivateDriver();
  const traced = tracedDriver(inner as unknown as BackendDriver, t, 'p');
  expect((traced as unknown as PrivateDriver).busy).toBe(false);
  await traced.remove('c1');
  expect(inner.count()).toBe(1);
  expect(t.names()).toEqual(['backend.remove']);
});
