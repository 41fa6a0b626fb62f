import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkService } from '../../../plugins/networks/src/networks';
import { VolumeService } from '../../../plugins/volumes/src/volume-service';
import { registerNetworkRoutes } from '../../../plugins/networks/src/network-routes';
import { registerVolumeRoutes } from '../../../plugins/volumes/src/volume-routes';
import { FakeContainers, localVolumeDrivers, MemoryStore, RecordingBus, makeContainer, startApp } from './fakes';
import { formatErrors, validateAgainstSpec, validateResponse } from '../support/spec-schema';

let app: Awaited<ReturnType<typeof startApp>>;
let home: string;
let containers: FakeContainers;
let networks: NetworkService;

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'sockerless-routes-'));
  const store = new MemoryStore();
  const bus = new RecordingBus();
  containers = new FakeContainers();
  networks = new NetworkService(store, bus, containers);
  const volumes = new VolumeService(localVolumeDrivers(home), store, bus, containers);
  await Promise.all([networks.load(), volumes.load()]);
  app = await startApp((r) => { registerNetworkRoutes(r, networks); registerVolumeRoutes(r, volumes); });
});
afterEach(async () => {
  await app.close();
  rmSync(home, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(app.url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}
const q = (filters: object) => `filters=${encodeURIComponent(JSON.stringify(filters))}`;
const expectSpec = (name: string, body: unknown) => expect(formatErrors(validateAgainstSpec(name, body))).toBe('');

describe('network routes', () => {
  test('create, list, inspect, connect, disconnect, delete: statuses and spec-valid bodies', async () => {
    const created = await call('POST', '/networks/create', { Name: 'proj_default', Labels: { 'com.docker.compose.project': 'proj' }, CheckDuplicate: true });
    expect(created.status).toBe(201);
    expectSpec('NetworkCreateResponse', created.body);

    const list = await call('GET', `/networks?${q({ label: ['com.docker.compose.project=proj'] })}`);
    expect(list.status).toBe(200);
    expect(list.body.map((n: any) => n.Name)).toEqual(['proj_default']);
    expect(formatErrors(validateResponse('/networks', 'get', 200, list.body))).toBe('');
    // compose 1.29 and the CLI also use the legacy map form of filters.
    expect((await call('GET', `/networks?${q({ name: { proj_default: true } })}`)).body).toHaveLength(1);

    const c = containers.add(makeContainer('web', { running: true }));
    c.networks = networks.attachOnCreate('default', {}, 'web', c.id);
    const conn = await call('POST', '/networks/proj_default/connect', { Container: 'web', EndpointConfig: { Aliases: ['web'] } });
    expect([conn.status, conn.text]).toEqual([200, '']);
    const inspected = await call('GET', `/networks/${created.body.Id.slice(0, 10)}?verbose=true&scope=local`);
    expect(inspected.status).toBe(200);
    expect(Object.keys(inspected.body.Containers)).toEqual([c.id]);
    expectSpec('NetworkInspect', inspected.body);

    expect(await call('DELETE', '/networks/proj_default')).toMatchObject({ status: 403, body: { message: `error while removing network: network proj_default id ${created.body.Id} has active endpoints` } });
    const disc = await call('POST', '/networks/proj_default/disconnect', { Container: c.id, Force: false });
    expect(disc.status).toBe(200);
    const del = await call('DELETE', '/networks/proj_default');
    expect([del.status, del.text]).toEqual([204, '']);
  });

  test('error bodies carry Docker messages', async () => {
    expect(await call('GET', '/networks/nope')).toEqual({ status: 404, body: { message: 'network nope not found' }, text: expect.any(String) });
    expect((await call('POST', '/networks/create', { Name: 'host' })).status).toBe(403);
    await call('POST', '/networks/create', { Name: 'twice' });
    expect(await call('POST', '/networks/create', { Name: 'twice' })).toMatchObject({ status: 409, body: { message: 'network with name twice already exists' } });
    expect(await call('DELETE', '/networks/none')).toMatchObject({ status: 403, body: { message: 'none is a pre-defined network and cannot be removed' } });
    expect(await call('POST', '/networks/twice/connect', { Container: 'ghost' })).toMatchObject({ status: 404, body: { message: 'No such container: ghost' } });
    expect(await call('GET', `/networks?${q({ bogus: ['x'] })}`)).toMatchObject({ status: 400, body: { message: "invalid filter 'bogus'" } });
    const bad = await fetch(`${app.url}/networks/create`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
  });

  test('prune answers NetworksDeleted', async () => {
    await call('POST', '/networks/create', { Name: 'old' });
    const res = await call('POST', `/networks/prune?${q({ until: ['1h'] })}`);
    expect(res).toMatchObject({ status: 200, body: { NetworksDeleted: [] } });
    const now = await call('POST', `/networks/prune?${q({ until: [String(Math.ceil(Date.now() / 1000) + 5)] })}`);
    expect(now.body).toEqual({ NetworksDeleted: ['old'] });
    expect(formatErrors(validateResponse('/networks/prune', 'post', 200, now.body))).toBe('');
  });
});

describe('volume routes', () => {
  test('create, inspect, list, delete, prune', async () => {
    const created = await call('POST', '/volumes/create', { Name: 'data', Labels: { a: 'b' }, DriverOpts: {} });
    expect(created.status).toBe(201);
    expectSpec('Volume', created.body);
    expect((await call('POST', '/volumes/create', {})).body.Name).toMatch(/^[0-9a-f]{64}$/);
    const got = await call('GET', '/volumes/data');
    expect(got).toMatchObject({ status: 200, body: created.body });
    const list = await call('GET', `/volumes?${q({ name: ['dat'] })}`);
    expect(list.body.Volumes.map((v: any) => v.Name)).toEqual(['data']);
    expect(formatErrors(validateResponse('/volumes', 'get', 200, list.body))).toBe('');
    const pruned = await call('POST', '/volumes/prune');
    expect(pruned.body.VolumesDeleted).toHaveLength(1);
    expect(formatErrors(validateResponse('/volumes/prune', 'post', 200, pruned.body))).toBe('');
    expect((await call('POST', `/volumes/prune?${q({ all: ['true'] })}`)).body).toEqual({ VolumesDeleted: ['data'], SpaceReclaimed: 0 });
    expect((await call('GET', '/volumes')).body).toEqual({ Volumes: [], Warnings: [] });
  });

  test('error bodies', async () => {
    expect(await call('GET', '/volumes/missing')).toMatchObject({ status: 404, body: { message: 'get missing: no such volume' } });
    expect(await call('DELETE', '/volumes/missing')).toMatchObject({ status: 404, body: { message: 'get missing: no such volume' } });
    expect((await call('DELETE', '/volumes/missing?force=1')).status).toBe(204);
    expect((await call('POST', '/volumes/create', { Name: 'x' })).status).toBe(400);
    expect((await call('PUT', '/volumes/x', {})).status).toBe(501);
    await call('POST', '/volumes/create', { Name: 'held' });
    const c = containers.add(makeContainer('holder', { mounts: [{ Type: 'volume', Name: 'held', Source: '', Destination: '/d', Mode: 'z', RW: true, Propagation: '' }] }));
    expect(await call('DELETE', '/volumes/held')).toMatchObject({ status: 409, body: { message: `remove held: volume is in use - [${c.id}]` } });
    expect(await call('POST', `/volumes/prune?${q({ all: ['maybe'] })}`)).toMatchObject({ status: 400 });
    expect(await call('GET', `/volumes?${q({ until: ['1h'] })}`)).toMatchObject({ status: 400, body: { message: "invalid filter 'until'" } });
  });
});

describe('spec-schema helper', () => {
  test('reports violations, accepts x-nullable nulls', () => {
    expect(validateAgainstSpec('Volume', { Name: 'v' }).length).toBeGreaterThan(0);
    expect(validateAgainstSpec('Volume', { Name: 'v', Driver: 'local', Mountpoint: '/x', Labels: {}, Scope: 'local', Options: {}, UsageData: null })).toEqual([]);
    expect(validateAgainstSpec('EventMessage', { Type: 'nonsense' }).length).toBeGreaterThan(0);
    expect(() => validateAgainstSpec('NoSuchThing', {})).toThrow('no definition');
    // allOf + own properties, and Swagger's `dateTime` format, are both enforced.
    expect(validateAgainstSpec('NetworkInspect', { Name: 'n', Containers: { x: { Name: 1 } } }).length).toBeGreaterThan(0);
    expect(validateAgainstSpec('NetworkSummary', { Name: 'n', Created: 'yesterday' }).length).toBeGreaterThan(0);
  });
});
