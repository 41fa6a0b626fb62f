/**
 * The core's tracing seam: with no tracing plugin nothing is wrapped (the very same objects are used) and
 * `core.tracer` does nothing; with one, the store, each admission controller and each driver go through its
 * interceptors once, `core.tracer` forwards to its tracer, and every API request (hijacked ones too) is handed
 * to its request observer with the route, status, API version and tenant the core found.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coreTracingExtensionPoint, definePlugin, type AdmissionController, type ApiRequestEnd, type ApiRequestStart, type BackendDriver,
  type CoreInterceptors, type TracingRegistry,
} from '@sockerless/sdk';
import { MemoryStateStore, RecordingTracer, silentLogger, startTestHost } from '@sockerless/sdk/testing';
import { CoreTracer, interceptContributions } from '../../src/host/tracing';
import { CoreRegistries } from '../../src/host/registries';
import { createBackendInstances } from '../../src/engine/backend-instances';
import { coreSpans } from '../../../plugins/otel/src/core-spans';

jest.setTimeout(60_000);

function driver(): BackendDriver {
  return { kind: 'fake', create: async () => undefined, start: async () => { throw new Error('not here'); }, signal: async () => undefined, remove: async () => undefined, list: async () => [] };
}

/** Registries with a store, an admission controller and a driver kind, and the tracing plugin's `setTracer` when given. */
function registries(d: BackendDriver, admission: AdmissionController, tracing?: (r: TracingRegistry) => void) {
  const r = new CoreRegistries();
  r.store = { store: new MemoryStateStore(), pluginId: 'store-test' };
  r.admission.push(admission);
  r.drivers.set('fake', { factory: { kind: 'fake', create: async () => d }, pluginId: 'fake' });
  tracing?.(r.forPlugin('otel').get(coreTracingExtensionPoint.id) as TracingRegistry);
  return r;
}

let home: string;
beforeAll(() => { home = mkdtempSync(join(tmpdir(), 'sockerless-tracing-')); });
afterAll(() => rmSync(home, { recursive: true, force: true }));

const gatewayDriver = (g: unknown) => (g as { driver: BackendDriver }).driver;

test('tracing off: the driver, the store and the admission controllers are the plugins\' own objects', async () => {
  const d = driver();
  const admission: AdmissionController = { name: 'gate', onCreate: () => undefined };
  const r = registries(d, admission);
  const store = r.store!.store;
  const core = new CoreTracer();
  core.use(r.tracer?.tracer);
  interceptContributions(r);
  expect(r.store!.store).toBe(store);
  expect(r.admission[0]).toBe(admission);
  expect(core.enabled).toBe(false);
  const backends = await createBackendInstances({ plugins: [], backends: { one: { driver: 'fake' } } }, r, home, silentLogger);
  expect(gatewayDriver(backends.get('one'))).toBe(d);
});

test('tracing on: the store\'s writes, admission calls and driver calls go through the plugin\'s wrappers; core.tracer forwards', async () => {
  const t = new RecordingTracer();
  const r = registries(driver(), { name: 'gate', onCreate: () => undefined, canSee: () => true }, (tracing) => tracing.setTracer(t, coreSpans(t)));
  const core = new CoreTracer();
  core.use(r.tracer?.tracer);
  interceptContributions(r);
  await r.store!.store.put('container', { id: 'c1' });
  await r.store!.store.loadAll('container');
  await r.admission[0].onCreate!({} as never);
  expect(r.admission[0].canSee!({} as never, {})).toBe(true);
  const backends = await createBackendInstances({ plugins: [], backends: { one: { driver: 'fake' } } }, r, home, silentLogger);
  await backends.get('one')!.remove('c2');
  core.span('AWS ECS.RunTask', {}, () => undefined);
  expect(core.enabled).toBe(true);
  expect(t.names()).toEqual(['store.put', 'admission.gate.onCreate', 'backend.remove', 'AWS ECS.RunTask']);
  expect(t.spans[0].attributes).toMatchObject({ 'sockerless.store.kind': 'container', 'sockerless.record.id': 'c1' });
  expect(t.spans[2].attributes).toMatchObject({ 'sockerless.backend': 'one', 'sockerless.container.id': 'c2' });
});

test('the request observer sees each API request, hijacked ones too, with what routing found', async () => {
  const seen: Array<{ start: ApiRequestStart; end: ApiRequestEnd }> = [];
  let observed: () => void = () => undefined;
  const interceptors: CoreInterceptors = {
    apiRequest: async (start, handle) => {
      seen.push({ start, end: await handle() });
      observed();
    },
  };
  const plugin = definePlugin({
    id: 'observer', sdk: '^1.0.0',
    register(reg) {
      reg.registerInit({ deps: { tracing: coreTracingExtensionPoint }, async init({ tracing }) { tracing.setTracer(new RecordingTracer(), interceptors); } });
    },
  });
  const host = await startTestHost({ plugins: ['store-sqlite', 'backend-local', { plugin, options: {} }] });
  try {
    const res = await fetch(`${host.baseUrl}/v1.47/containers/nope/json`, { headers: { 'user-agent': 'probe/1' } });
    expect(res.status).toBe(404);
    expect(seen.find((s) => s.start.path === '/v1.47/containers/nope/json')).toMatchObject({
      start: { method: 'GET', headers: { 'user-agent': 'probe/1' } },
      end: { route: '/containers/:id/json', status: 404, apiVersion: '1.47' },
    });

    const hijackSeen = new Promise<void>((r) => { observed = r; });
    const { port } = new URL(host.baseUrl);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1.47/containers/nope/attach?stream=1', headers: { Connection: 'Upgrade', Upgrade: 'tcp' } });
      req.on('response', (r) => { expect(r.statusCode).toBe(404); r.resume(); resolve(); });
      req.on('error', reject);
      req.end();
    });
    await hijackSeen;
    expect(seen.at(-1)).toMatchObject({
      start: { method: 'POST', path: '/v1.47/containers/nope/attach', hijacked: true, headers: { upgrade: 'tcp' } },
      end: { route: '/containers/:id/attach', apiVersion: '1.47' },
    });
    expect(seen.at(-1)!.end.status).toBeUndefined();
  } finally {
    await host.close();
  }
});
