/** Inspect and list bodies from a real run, validated against the Docker Engine API v1.56 schemas. */
import { validateAgainstSpec } from '../support/spec-schema';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let running: string;
let exited: string;
beforeAll(async () => {
  e = await startE2E();
  running = await e.ok(['run', '-d', '--name', 'schema-running', '-l', 'a=b', '-v', 'schema-vol:/data', '-e', 'X=1', BUSYBOX, 'sleep', '60']);
  exited = await e.ok(['run', '--name', 'schema-exited', BUSYBOX, 'sh', '-c', 'exit 3']).catch(async () => e.ok(['inspect', '-f', '{{.Id}}', 'schema-exited']));
});
afterAll(async () => { await e?.dispose(); });

const get = async (path: string) => {
  const r = await api(e.daemon.socket, 'GET', path);
  expect(r.status).toBe(200);
  return r.json();
};

function expectValid(definition: string, body: unknown) {
  expect({ definition, errors: validateAgainstSpec(definition, body) }).toEqual({ definition, errors: [] });
}

test('container inspect of a running and an exited container', async () => {
  for (const id of [running, exited]) expectValid('ContainerInspectResponse', await get(`/v1.50/containers/${id}/json`));
  const body = await get(`/v1.50/containers/${running}/json`);
  expect(body.Config.Env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'X=1']);
  expect(body.Mounts[0]).toMatchObject({ Type: 'volume', Name: 'schema-vol', Destination: '/data', RW: true });
});

test('container list, with and without size', async () => {
  for (const list of [await get('/v1.50/containers/json?all=1'), await get('/v1.50/containers/json?all=1&size=1')]) {
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const c of list) expectValid('ContainerSummary', c);
  }
});

test('image list and inspect, volume and network bodies, system info and version', async () => {
  for (const img of await get('/v1.50/images/json')) expectValid('ImageSummary', img);
  expectValid('ImageInspect', await get(`/v1.50/images/${BUSYBOX}/json`));
  expectValid('VolumeListResponse', await get('/v1.50/volumes'));
  expectValid('Volume', await get('/v1.50/volumes/schema-vol'));
  for (const n of await get('/v1.50/networks')) expectValid('NetworkSummary', n);
  expectValid('NetworkInspect', await get('/v1.50/networks/bridge'));
  expectValid('SystemInfo', await get('/v1.50/info'));
  expectValid('SystemVersion', await get('/v1.50/version'));
});

test('create, wait and top responses', async () => {
  const created = await api(e.daemon.socket, 'POST', '/v1.50/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'] }));
  expect(created.status).toBe(201);
  expectValid('ContainerCreateResponse', created.json());
  const id = created.json().Id;
  expect((await api(e.daemon.socket, 'POST', `/v1.50/containers/${id}/start`)).status).toBe(204);
  const waited = await api(e.daemon.socket, 'POST', `/v1.50/containers/${id}/wait`);
  expectValid('ContainerWaitResponse', waited.json());
  expectValid('ContainerTopResponse', await get(`/v1.50/containers/${running}/top`));
});
