/**
 * Every client error is a 4xx and every request ends (issue 13, item 5): what used to be a 500, a request
 * that never got an answer, or a connection held open for ever. The daemon runs with short header and
 * body-idle timeouts so that the timeout cases take a second, not a minute.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { api } from '../support/raw-http';
import { openRawStream, uncaughtErrors } from '../support/raw-stream';
import { DAEMON_MAIN } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

const TIMEOUT_MS = 1000;
let e: E2E;
let container: string;
beforeAll(async () => {
  e = await startE2E({ env: { SOCKERLESS_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS), SOCKERLESS_BODY_IDLE_TIMEOUT_MS: String(TIMEOUT_MS) } });
  container = (await call('POST', '/v1.50/containers/create?name=target', JSON.stringify({ Image: BUSYBOX, Cmd: ['sleep', '300'] }))).json().Id;
});
afterAll(async () => {
  // Whatever a case did, nothing escaped to the process.
  if (e) expect(await uncaughtErrors(e.daemon.socket)).toBe(0);
  await e?.dispose();
});

const call = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) => api(e.daemon.socket, method, path, body, headers);
const long = 'a'.repeat(300);

/** The answer is `status` with Docker's `{"message"}` body, matching `message`, and naming no host path. */
async function expectError(r: Promise<{ status: number; text: string }>, status: number, message: string | RegExp) {
  const { status: got, text } = await r;
  expect({ status: got, text }).toEqual({ status, text: expect.any(String) });
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(['message']);
  if (typeof message === 'string') expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
  expect(body.message).not.toContain(e.daemon.dir);
}

const create = (body: object) => call('POST', '/v1.50/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'], ...body }));

test('mistyped fields (network connect/disconnect, volume and exec create) are 400s in Go decoder words', async () => {
  await expectError(call('POST', '/v1.50/networks/bridge/disconnect', JSON.stringify({ Container: 5 })), 400, 'json: cannot unmarshal number into Go struct field NetworkDisconnect.Container of type string');
  await expectError(call('POST', '/v1.50/networks/bridge/connect', JSON.stringify({ Container: { a: 1 } })), 400, 'json: cannot unmarshal object into Go struct field NetworkConnect.Container of type string');
  await expectError(call('POST', '/v1.50/volumes/create', JSON.stringify({ Name: true })), 400, 'json: cannot unmarshal bool into Go struct field VolumeCreateBody.Name of type string');
  await expectError(call('POST', `/v1.50/containers/${container}/exec`, JSON.stringify({ Cmd: ['true'], DetachKeys: 5 })), 400, 'json: cannot unmarshal number into Go struct field ExecConfig.DetachKeys of type string');
});

test('bodies of the wrong shape are 400s, and nothing of the wrong type is stored to break clients later', async () => {
  await expectError(create({ HostConfig: { PortBindings: { '80/tcp': 5 } } }), 400, 'invalid HostConfig.PortBindings[80/tcp]: expected a list');
  await expectError(create({ HostConfig: { Mounts: [null] } }), 400, 'invalid HostConfig.Mounts: expected a list of objects');
  await expectError(call('POST', '/v1.50/networks/create', JSON.stringify({ Name: 'shape1', IPAM: { Config: 5 } })), 400, 'invalid IPAM.Config: expected a list');
  await expectError(call('POST', '/v1.50/networks/create', JSON.stringify({ Name: 'shape2', IPAM: { Config: [null] } })), 400, 'invalid IPAM.Config: expected a list of objects');
  // Stored as given, these would be shown back and break the docker CLI's own decoding of `ps` and `inspect`.
  await expectError(create({ Labels: { a: true } }), 400, 'invalid Labels: expected an object of strings');
  await expectError(create({ Env: [5] }), 400, 'invalid Env: expected a list of strings');
  await expectError(create({ NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: 'x' } } } }), 400, 'invalid config for network bridge: IPAMConfig must be an object');
  await expectError(call('POST', '/v1.50/networks/create', JSON.stringify({ Name: 'shape3', Options: { a: 1 } })), 400, 'invalid Options: expected an object of strings');
  await expectError(call('POST', '/v1.50/volumes/create', JSON.stringify({ Name: 'shape4', Labels: { a: [] } })), 400, 'invalid Labels: expected an object of strings');
  expect((await e.docker(['ps', '-a'])).code).toBe(0);
});

test('a name filter that is not a regular expression matches nothing, as dockerd answers', async () => {
  const filters = encodeURIComponent(JSON.stringify({ name: ['('] }));
  for (const path of [`/v1.50/containers/json?all=1&filters=${filters}`, `/v1.50/networks?filters=${filters}`]) {
    const r = await call('GET', path);
    expect({ path, status: r.status, body: r.json() }).toEqual({ path, status: 200, body: [] });
  }
  expect((await call('GET', `/v1.50/volumes?filters=${filters}`)).json().Volumes).toEqual([]);
});

test('names and paths longer than the kernel takes are 400s that do not disclose the home directory', async () => {
  await expectError(call('POST', '/v1.50/volumes/create', JSON.stringify({ Name: long })), 400, /^ENAMETOOLONG: .*\$SOCKERLESS_HOME\/volumes\/a+/);
  await expectError(call('GET', `/v1.50/containers/${container}/archive?path=/${long}`), 400, /^ENAMETOOLONG: /);
  await expectError(call('GET', `/v1.50/containers/${container}/archive?path=${encodeURIComponent('/a\0b')}`), 400, 'invalid path: "/a\\u0000b"');
  const head = await call('HEAD', `/v1.50/containers/${container}/archive?path=/${long}`);
  expect(head.status).toBe(400);
});

test('a badly percent-encoded id in an upgrade request is a 400', async () => {
  for (const path of ['/v1.50/exec/%E0%A4%A/start', '/v1.50/containers/%E0%A4%A/attach?stream=1']) {
    const s = openRawStream(e.daemon.socket, { method: 'POST', path, upgrade: true });
    expect(await s.headers).toMatch(/^HTTP\/1.1 400/);
    expect(JSON.parse(s.received().toString().split('\r\n\r\n')[1]).message).toBe('invalid URL escape: URI malformed');
    await s.reset();
  }
});

test('garbage to images/load is dockerd\'s 200 with the error in the stream; to an import a 400', async () => {
  const load = await call('POST', '/v1.50/images/load', 'garbage', { 'Content-Type': 'application/x-tar' });
  expect(load.status).toBe(200);
  const line = JSON.parse(load.text.trim());
  expect(line).toEqual({ errorDetail: { message: expect.stringMatching(/^invalid tar archive: /) }, error: expect.stringMatching(/^invalid tar archive: /) });
  await expectError(call('POST', '/v1.50/images/create?fromSrc=-&repo=garbage', 'garbage', { 'Content-Type': 'application/x-tar' }), 400, /^invalid tar archive: /);
});

test('PUT archive with a truncated tar or a body that is no tar answers 400 and keeps the connection usable', async () => {
  const tar = Buffer.alloc(1536);
  // A header block announcing a 1 MiB file, then the body ends: the tar is cut short.
  tar.write('file.txt', 0);
  tar.write('0000644\0', 100);
  tar.write('00004000000\0', 124);
  tar.write('ustar\0', 257);
  await expectError(call('PUT', `/v1.50/containers/${container}/archive?path=/tmp`, tar, { 'Content-Type': 'application/x-tar' }), 400, /^invalid tar archive: /);
  await expectError(call('PUT', `/v1.50/containers/${container}/archive?path=/tmp`, 'not a tar at all', { 'Content-Type': 'application/x-tar' }), 400, /^invalid tar archive: /);
});

test('create refuses what dockerd refuses, with its words', async () => {
  await expectError(call('POST', '/v1.50/containers/create', JSON.stringify({ Image: BUSYBOX }), { 'Content-Type': 'text/plain' }), 400, "Content-Type specified (text/plain) must be 'application/json'");
  for (const port of ['99999', '-1', '80-70']) {
    await expectError(create({ ExposedPorts: { [`${port}/tcp`]: {} } }), 400, `invalid port specification: "${port}"`);
    await expectError(create({ HostConfig: { PortBindings: { [`${port}/tcp`]: [{ HostPort: '8080' }] } } }), 400, `invalid port specification: "${port}"`);
  }
  await expectError(create({ HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '999.1.1.1', HostPort: '8080' }] } } }), 400, 'invalid IP address: 999.1.1.1');
  await expectError(create({ WorkingDir: 'relative/dir' }), 400, "the working directory 'relative/dir' is invalid, it needs to be an absolute path");
  await expectError(create({ HostConfig: { Binds: ['/tmp:/'] } }), 400, `invalid volume specification: '/tmp:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`);
  await expectError(create({ HostConfig: { Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/' }] } }), 400, `invalid mount config for type "bind": invalid specification: destination can't be '/'`);
  await expectError(create({ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: -5, Hard: 10 }] } }), 400, /^invalid ulimit nofile: /);
  await expectError(create({ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 20, Hard: 10 }] } }), 400, 'ulimit soft limit must be less than or equal to hard limit: 20 > 10');
  // -1 is "unlimited", which dockerd takes.
  expect((await create({ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: -1, Hard: -1 }] } })).status).toBe(201);
});

test('an upgrade request announcing a 1 GB body is refused at once, and everyone else is still served', async () => {
  const s = openRawStream(e.daemon.socket, { method: 'POST', path: '/v1.50/exec/nope/start', body: '{', contentLength: 1 << 30, upgrade: true, headers: { 'Content-Type': 'application/json' } });
  expect(await s.headers).toMatch(/^HTTP\/1.1 400/);
  expect(s.received().toString()).toContain('request body exceeds 1048576 bytes');
  await s.reset();
  expect((await call('GET', '/_ping')).text).toBe('OK');
});

test('slow headers and stalled bodies end with 408, while quiet streams (logs -f, events, wait) stay open', async () => {
  expect((await call('POST', `/v1.50/containers/${container}/start`)).status).toBe(204);
  const quiet = [
    openRawStream(e.daemon.socket, { method: 'GET', path: `/v1.50/containers/${container}/logs?follow=1&stdout=1` }),
    openRawStream(e.daemon.socket, { method: 'GET', path: '/v1.50/events' }),
    openRawStream(e.daemon.socket, { method: 'POST', path: `/v1.50/containers/${container}/wait` }),
  ];
  for (const q of quiet) expect(await q.headers).toMatch(/^HTTP\/1.1 200/);
  let closedEarly = false;
  for (const q of quiet) void q.closed.then(() => { closedEarly = true; });

  const slowHeaders = openRawStream(e.daemon.socket, { method: 'GET', path: '/_ping', rawHead: 'GET /_ping HTTP/1.1\r\nHost: docker\r\n' });
  const stalledBody = openRawStream(e.daemon.socket, { method: 'PUT', path: `/v1.50/containers/${container}/archive?path=/tmp`, body: 'abc', contentLength: 10_000 });
  const stalledJson = openRawStream(e.daemon.socket, { method: 'POST', path: '/v1.50/containers/create', body: '{"Ima', contentLength: 10_000, headers: { 'Content-Type': 'application/json' } });
  for (const s of [slowHeaders, stalledBody, stalledJson]) {
    expect(await s.headers).toMatch(/^HTTP\/1.1 408/);
    await s.reset();
  }
  // More than the timeouts have passed (the 408s say so); the quiet streams are still open.
  expect(closedEarly).toBe(false);
  for (const q of quiet) await q.reset();
  expect((await call('GET', '/_ping')).text).toBe('OK');
});

test('an upgrade request whose announced body stops arriving is answered 408 and closed (found by the fuzzer)', async () => {
  const exec = (await call('POST', `/v1.50/containers/${container}/exec`, JSON.stringify({ Cmd: ['true'] }))).json().Id;
  for (const path of [`/v1.50/exec/${exec}/start`, `/v1.50/containers/${container}/attach?stream=1&stdout=1`]) {
    const s = openRawStream(e.daemon.socket, { method: 'POST', path, body: '{"Detach":', contentLength: 40, upgrade: true, headers: { 'Content-Type': 'application/json' } });
    expect(await s.headers).toMatch(/^HTTP\/1.1 408/);
    expect(s.received().toString()).toContain(`no request body received for ${TIMEOUT_MS / 1000}s`);
    // The daemon ends the connection (our side stays half-open until we close it).
    if (!s.socket.readableEnded) await new Promise((r) => s.socket.once('end', r));
    await s.reset();
  }
  expect((await call('GET', '/_ping')).text).toBe('OK');
});

test('a NUL byte in an archive path or a name is a 400 (found by the fuzzer)', async () => {
  await expectError(call('GET', `/v1.50/containers/${container}/archive?path=%2F%00`), 400, 'invalid path: "/\\u0000"');
  expect((await call('HEAD', `/v1.50/containers/${container}/archive?path=%2Fa%00b`)).status).toBe(400);
});

test('a tar whose links are empty, point at a directory or at nothing is a 400, and no entry is written through a planted link (found by the fuzzer)', async () => {
  const header = (name: string, type: string, linkname: string, size = 0) => {
    const h = Buffer.alloc(512);
    h.write(name, 0); h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124); h.write('00000000000\0', 136); h.write(type, 156); h.write(linkname, 157);
    h.write('ustar\0', 257); h.write('00', 263); h.fill(' ', 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    return size ? Buffer.concat([h, Buffer.from('owned'.padEnd(512, '\0'))]) : h;
  };
  const put = (...entries: Buffer[]) => call('PUT', `/v1.50/containers/${container}/archive?path=/tmp`, Buffer.concat([...entries, Buffer.alloc(1024)]), { 'Content-Type': 'application/x-tar' });
  await expectError(put(header('s', '2', '')), 400, 'invalid tar entry s: a symlink without a target');
  await expectError(put(header('h', '1', '.')), 400, 'invalid tar entry h: hard link to a directory .');
  await expectError(put(header('h', '1', 'missing')), 400, 'invalid tar entry h: hard link to a missing file missing');
  // A link planted by one entry and written through by the next lands inside the container, never on the host.
  const escape = `${e.daemon.dir}/escaped`;
  expect((await put(header('esc', '2', `${'../'.repeat(20)}${escape.slice(1)}`), header('esc', '0', '', 5))).status).toBe(200);
  expect(existsSync(escape)).toBe(false);
});

test('the body-idle watch leaves the keep-alive timeout alone: an idle connection after a request with a body is closed', async () => {
  const s = openRawStream(e.daemon.socket, { method: 'POST', path: '/v1.50/volumes/create', body: JSON.stringify({ Name: 'keepalive-probe' }), headers: { 'Content-Type': 'application/json' } });
  expect(await s.headers).toMatch(/^HTTP\/1.1 201/);
  // Ended by the daemon (its 5 s keep-alive timeout), not by us: the test's timeout fails it otherwise.
  await new Promise((r) => s.socket.once('end', r));
  await s.reset();
}, 20_000);

test('sockerless daemon --unknown-flag prints the usage, exits 2, and shows no stack trace', () => {
  const r = spawnSync(process.execPath, [DAEMON_MAIN, 'daemon', '--unknown-flag'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^sockerless: unknown option --unknown-flag\nUsage:\n/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

test('an upload cut off by the removal of its container is answered 409 before its connection ends (found by the fuzzer)', async () => {
  const id = (await call('POST', '/v1.50/containers/create?name=cut-upload', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'] }))).json().Id;
  // A tar body that never completes: the daemon is still extracting when the removal comes.
  const upload = openRawStream(e.daemon.socket, { method: 'PUT', path: `/v1.50/containers/${id}/archive?path=/tmp`, body: Buffer.alloc(700, 1), contentLength: 1 << 20, headers: { 'Content-Type': 'application/x-tar' } });
  // A round trip on another connection: the daemon read the upload's head (sent first) before this answer.
  expect((await call('GET', '/_ping')).text).toBe('OK');
  expect((await call('DELETE', `/v1.50/containers/${id}?force=1`)).status).toBe(204);
  expect(await upload.headers).toMatch(/^HTTP\/1.1 409/);
  // The daemon ends the connection after its answer (our side stays half-open until we close it).
  if (!upload.socket.readableEnded) await new Promise((r) => upload.socket.once('end', r));
  // Cut off mid-extraction, or refused at once when the removal got there first: either way a 409 answer.
  expect(upload.received().toString()).toMatch(/\{"message":"container \/?cut-upload (was removed while files were being copied into it|is being removed)"\}/);
  await upload.reset();
  expect((await call('GET', '/_ping')).text).toBe('OK');
});
