/**
 * The core's wrapping: with no tracing plugin nothing is wrapped (the very same objects are used); with one,
 * driver, store and admission calls are spans, and a driver's optional methods stay optional.
 */
import { noopTracer, type AdmissionController, type BackendDriver, type StateStore } from '@sockerless/sdk';
import { MemoryStateStore, RecordingTracer } from '@sockerless/sdk/testing';
import { CoreTracer, traceContributions, tracedDriver } from '../../src/host/tracing';
import { CoreRegistries } from '../../src/host/registries';

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

function registries(store: StateStore, admission: AdmissionController): CoreRegistries {
  const r = new CoreRegistries();
  r.store = { store, pluginId: 'store-test' };
  r.admission.push(admission);
  return r;
}

test('tracing off: the driver, the store and the admission controllers are the plugins\' own objects', () => {
  const d = driver();
  expect(tracedDriver(d, noopTracer, 'one')).toBe(d);
  const store = new MemoryStateStore();
  const admission: AdmissionController = { name: 'gate', onCreate: () => undefined };
  const r = registries(store, admission);
  const core = new CoreTracer();
  core.use(undefined);
  traceContributions(r, core);
  expect(r.store!.store).toBe(store);
  expect(r.admission[0]).toBe(admission);
  expect(core.enabled).toBe(false);
});

test('tracing on: each driver call is a span with the instance and container; optional methods stay absent', async () => {
  const t = recordingTracer();
  const core = new CoreTracer();
  core.use(t);
  const traced = tracedDriver(driver(), core, 'one');
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
  const store = new MemoryStateStore();
  const r = registries(store, { name: 'gate', onCreate: () => undefined, canSee: () => true });
  traceContributions(r, t);
  await r.store!.store.put('container', { id: 'c1' });
  await r.store!.store.loadAll('container');
  await r.admission[0].onCreate!({} as never);
  expect(r.admission[0].canSee!({} as never, {})).toBe(true);
  expect(r.admission[0].onStart).toBeUndefined();
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
