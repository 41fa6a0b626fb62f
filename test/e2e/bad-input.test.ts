/** Bad input gets Docker's status and a {"message"} body, and the daemon keeps serving. */
import { randomBytes } from 'node:crypto';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

const call = (method: string, path: string, body?: string | Buffer) => api(e.daemon.socket, method, path, body);

async function expectError(method: string, path: string, body: string | Buffer | undefined, status: number, message: string | RegExp) {
  const r = await call(method, path, body);
  expect({ path, status: r.status }).toEqual({ path, status });
  const parsed = r.json();
  expect(Object.keys(parsed)).toEqual(['message']);
  if (typeof message === 'string') expect(parsed.message).toBe(message);
  else expect(parsed.message).toMatch(message);
}

test('malformed JSON bodies are 400', async () => {
  await expectError('POST', '/v1.50/containers/create', '{"Image": "busybox"', 400, /^invalid JSON: /);
  await expectError('POST', '/v1.50/networks/create', '{nope', 400, /^invalid JSON: /);
  await expectError('POST', '/v1.50/volumes/create', '[1,', 400, /^invalid JSON: /);
});

test('unknown container, image, exec, network and volume ids are 404 with Docker wording', async () => {
  await expectError('GET', '/v1.50/containers/deadbeef/json', undefined, 404, 'No such container: deadbeef');
  await expectError('POST', '/v1.50/containers/nope/start', undefined, 404, 'No such container: nope');
  await expectError('DELETE', '/v1.50/containers/nope', undefined, 404, 'No such container: nope');
  await expectError('GET', '/v1.50/images/nope:1/json', undefined, 404, 'No such image: nope:1');
  await expectError('GET', '/v1.50/exec/0123456789/json', undefined, 404, 'No such exec instance: 0123456789');
  await expectError('POST', '/v1.50/containers/create', JSON.stringify({ Image: 'missing-image' }), 404, 'No such image: missing-image:latest');
  await expectError('GET', '/v1.50/networks/nope', undefined, 404, /network nope not found/);
  await expectError('GET', '/v1.50/volumes/nope', undefined, 404, 'get nope: no such volume');
});

test('bad names are 400', async () => {
  await expectError('POST', '/v1.50/containers/create?name=bad%20name', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'] }), 400, 'Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  await expectError('POST', '/v1.50/containers/create?name=-x', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'] }), 400, /^Invalid container name/);
  await expectError('POST', '/v1.50/volumes/create', JSON.stringify({ Name: '../escape' }), 400, /includes invalid characters for a local volume name/);
});

test('bad filter JSON and unknown filters are 400', async () => {
  await expectError('GET', `/v1.50/containers/json?filters=${encodeURIComponent('{"label":')}`, undefined, 400, /^invalid filter/);
  await expectError('GET', `/v1.50/containers/json?filters=${encodeURIComponent('{"colour":["red"]}')}`, undefined, 400, `invalid filter 'colour'`);
  await expectError('GET', `/v1.50/containers/json?filters=${encodeURIComponent('"x"')}`, undefined, 400, /^invalid filter/);
});

test('bad values are 400: signals, wait conditions, create bodies', async () => {
  const { Id } = (await call('POST', '/v1.50/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['sleep', '30'] }))).json();
  expect((await call('POST', `/v1.50/containers/${Id}/start`)).status).toBe(204);
  expect((await call('POST', `/v1.50/containers/${Id}/start`)).status).toBe(304);
  await expectError('POST', `/v1.50/containers/${Id}/kill?signal=SIGNOPE`, undefined, 400, 'Invalid signal: SIGNOPE');
  await expectError('POST', `/v1.50/containers/${Id}/wait?condition=sometime`, undefined, 400, 'invalid condition: "sometime"');
  await expectError('POST', '/v1.50/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: 'x', Env: 'A=1' }), 400, 'invalid Env: expected a list of strings');
  await expectError('POST', '/v1.50/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'], HostConfig: { Binds: ['nocolon'] } }), 400, `invalid volume specification: 'nocolon'`);
  await expectError('POST', '/v1.50/containers/create', JSON.stringify({ Cmd: ['true'] }), 400, 'Config cannot be empty in order to create a container');
  expect((await call('DELETE', `/v1.50/containers/${Id}?force=1`)).status).toBe(204);
});

test('API versions outside 1.24-1.50 are refused, unknown endpoints answer 501 naming them', async () => {
  await expectError('GET', '/v1.12/containers/json', undefined, 400, 'client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version');
  await expectError('GET', '/v1.99/containers/json', undefined, 400, 'client version 1.99 is too new. Maximum supported API version is 1.50');
  await expectError('POST', '/v1.50/grpc', undefined, 501, 'sockerless does not implement POST /grpc');
  await expectError('GET', '/v1.50/plugins', undefined, 501, 'sockerless does not implement GET /plugins');
  await expectError('GET', '/v1.50/plugins/x/json', undefined, 501, 'sockerless does not implement GET /plugins/x/json');
});

test('an oversized body is refused and the daemon keeps serving', async () => {
  const big = Buffer.alloc(9 * 1024 * 1024, 'a');
  const r = await call('POST', '/v1.50/containers/create', big).catch((err: Error) => ({ status: -1, text: err.message, json: () => ({}) }));
  if (r.status !== -1) expect(r.status).toBe(400);
  expect((await call('GET', '/_ping')).text).toBe('OK');
});

test('fuzzed create bodies never crash the daemon and always answer in Docker shape', async () => {
  const shapes = [
    () => randomBytes(64).toString('latin1'),
    () => JSON.stringify({ Image: BUSYBOX, Cmd: randomBytes(4).toString('hex'), Env: [randomBytes(3).toString('hex')], HostConfig: { Binds: [randomBytes(5).toString('base64')] } }),
    () => JSON.stringify({ Image: randomBytes(6).toString('base64'), Labels: [1, 2] }),
    () => JSON.stringify({ Image: BUSYBOX, Entrypoint: 5, Cmd: { a: 1 } }),
    () => JSON.stringify([{ Image: BUSYBOX }]),
    () => JSON.stringify({ Image: BUSYBOX, Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'weird', Target: 'rel' }] } }),
    () => 'null',
    () => '"string"',
  ];
  const created: string[] = [];
  for (let i = 0; i < 80; i++) {
    const r = await call('POST', `/v1.50/containers/create`, shapes[i % shapes.length]());
    expect([201, 400, 404]).toContain(r.status);
    const body = r.json();
    if (r.status === 201) created.push(body.Id);
    else expect(typeof body.message).toBe('string');
  }
  for (const id of created) await call('DELETE', `/v1.50/containers/${id}?force=1`);
  expect((await call('GET', '/_ping')).status).toBe(200);
});
