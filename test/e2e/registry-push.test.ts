/**
 * The registry round trip against Debian's docker-registry (issue 14, item 6): `docker login`, `docker push`,
 * `docker rmi` and `docker pull` of what was pushed (same image id and RepoDigests), dockerode's push,
 * `GET /distribution/{name}/json`, and pull/push errors in dockerd's words (checked against dockerd 20.10
 * with the same registry: test/differential/scenarios/registry.ts).
 */
import { join } from 'node:path';
import Docker from 'dockerode';
import { api } from '../support/raw-http';
import { startRegistry, type TestRegistry } from '../support/registry';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

const USER = { username: 'alice', password: 'secret' };
let e: E2E;
let open: TestRegistry;
let locked: TestRegistry;
let dockerode: Docker;
beforeAll(async () => {
  e = await startE2E();
  dockerode = new Docker({ socketPath: e.daemon.socket });
  [open, locked] = await Promise.all([
    startRegistry(join(e.daemon.dir, 'registry-open')),
    startRegistry(join(e.daemon.dir, 'registry-locked'), { auth: USER }),
  ]);
  // An image of its own (busybox plus one layer), so that rmi really deletes it before the pull.
  await e.ok(['run', '--name', 'push-src', BUSYBOX, 'sh', '-c', 'echo pushed-content > /marker']);
  await e.ok(['commit', 'push-src', `${open.host}/rt/app:1`]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
  await e?.dispose();
});

const base64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
const inspectIdAndDigests = async (ref: string) => JSON.parse(await e.ok(['image', 'inspect', '-f', '[{{json .Id}},{{json .RepoDigests}}]', ref]));
const streamLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

test('docker push, rmi, pull: the same image id and RepoDigests come back', async () => {
  const ref = `${open.host}/rt/app:1`;
  const push = await e.docker(['push', ref]);
  expect(push.code).toBe(0);
  expect(push.stdout).toContain(`The push refers to repository [${open.host}/rt/app]`);
  expect(push.stdout).toMatch(/: Pushed/);
  const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(push.stdout)?.[1];
  expect(digest).toBeDefined();
  const [id, digests] = await inspectIdAndDigests(ref);
  expect(digests).toEqual([`${open.host}/rt/app@${digest}`]);
  // The docker CLI reads the registry itself: a Docker v2 schema 2 manifest whose config is the image.
  const manifest = JSON.parse(await e.ok(['manifest', 'inspect', '--insecure', ref]));
  expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: id } });
  expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(Array(2).fill('application/vnd.docker.image.rootfs.diff.tar.gzip'));

  // A second push finds every layer there already.
  const again = await e.docker(['push', ref]);
  expect(again.stdout).not.toMatch(/: Pushed/);
  expect(again.stdout).toMatch(/: Layer already exists/);
  expect(again.stdout).toContain(`1: digest: ${digest}`);

  const rmi = await e.ok(['rmi', ref]);
  expect(rmi).toContain(`Deleted: ${id}`);
  const pull = await e.docker(['pull', ref]);
  expect(pull.code).toBe(0);
  expect(pull.stdout).toContain(`Digest: ${digest}`);
  expect(await inspectIdAndDigests(ref)).toEqual([id, [`${open.host}/rt/app@${digest}`]]);
  expect(await e.ok(['run', '--rm', ref, 'cat', '/marker'])).toBe('pushed-content');
});

test('the push stream as dockerd sends it, with the aux record; dockerode image.push()', async () => {
  await e.ok(['tag', `${open.host}/rt/app:1`, `${open.host}/rt/app:2`]);
  const stream = await dockerode.getImage(`${open.host}/rt/app`).push({ tag: '2', authconfig: {} } as object);
  const lines = await new Promise<Record<string, any>[]>((resolve, reject) => dockerode.modem.followProgress(stream, (err: Error | null, out: Record<string, any>[]) => (err ? reject(err) : resolve(out))));
  expect(lines[0]).toEqual({ status: `The push refers to repository [${open.host}/rt/app]` });
  expect(lines.filter((l) => l.status === 'Preparing').length).toBe(2);
  expect(lines.filter((l) => l.status === 'Layer already exists').length).toBe(2);
  const aux = lines.find((l) => l.aux)!.aux;
  expect(aux).toEqual({ Tag: '2', Digest: expect.stringMatching(/^sha256:/), Size: expect.any(Number) });
  expect(lines.some((l) => l.status === `2: digest: ${aux.Digest} size: ${aux.Size}`)).toBe(true);
});

test('push errors: no local image, no such tag (in the stream), no X-Registry-Auth (400)', async () => {
  const auth = { 'X-Registry-Auth': 'e30=' };
  const missing = await api(e.daemon.socket, 'POST', `/v1.50/images/${open.host}/rt/nothere/push`, '', auth);
  expect(missing.status).toBe(200);
  expect(streamLines(missing.text).at(-1)).toEqual({
    errorDetail: { message: `An image does not exist locally with the tag: ${open.host}/rt/nothere` },
    error: `An image does not exist locally with the tag: ${open.host}/rt/nothere`,
  });
  const noTag = await api(e.daemon.socket, 'POST', `/v1.50/images/${open.host}/rt/app/push?tag=nope`, '', auth);
  expect(streamLines(noTag.text).at(-1)!.error).toBe(`tag does not exist: ${open.host}/rt/app:nope`);
  const noHeader = await api(e.daemon.socket, 'POST', `/v1.50/images/${open.host}/rt/app/push?tag=1`);
  expect(noHeader.status).toBe(400);
  expect(noHeader.json()).toEqual({ message: 'Bad parameters and missing X-Registry-Auth: EOF' });
  const cli = await e.docker(['push', '127.0.0.1:1/x/y:1']);
  expect(cli.code).toBe(1);
  expect(cli.stderr).toContain('An image does not exist locally with the tag: 127.0.0.1:1/x/y');
});

test('pull errors: a missing repository is a 404, an unreachable registry a 500, in dockerd\'s words', async () => {
  const missing = await api(e.daemon.socket, 'POST', `/v1.50/images/create?fromImage=${open.host}/nothere/x&tag=1`);
  expect(missing.status).toBe(404);
  expect(missing.json()).toEqual({ message: `manifest for ${open.host}/nothere/x:1 not found: manifest unknown: manifest unknown` });
  const unreachable = await api(e.daemon.socket, 'POST', '/v1.50/images/create?fromImage=127.0.0.1:1/x/y&tag=1');
  expect(unreachable.status).toBe(500);
  expect(unreachable.json()).toEqual({ message: 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused' });
  const cli = await e.docker(['pull', '127.0.0.1:1/x/y:1']);
  expect(cli.code).toBe(1);
  expect(cli.stderr.trim()).toBe('Error response from daemon: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused');
  const cliMissing = await e.docker(['pull', `${open.host}/nothere/x`]);
  expect(cliMissing.stderr).toContain(`manifest for ${open.host}/nothere/x:latest not found: manifest unknown: manifest unknown`);
});

test('docker login against a registry with htpasswd auth; push and pull need it', async () => {
  const ref = `${locked.host}/team/app:1`;
  await e.ok(['tag', `${open.host}/rt/app:1`, ref]);
  const anonymous = await e.docker(['push', ref]);
  expect(anonymous.code).toBe(1);
  expect(anonymous.stderr).toContain('no basic auth credentials');

  const wrong = await e.docker(['login', '-u', USER.username, '--password-stdin', locked.host], { input: 'wrong\n' });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain(`Error response from daemon: login attempt to http://${locked.host}/v2/ failed with status: 401 Unauthorized`);
  const login = await e.docker(['login', '-u', USER.username, '--password-stdin', locked.host], { input: `${USER.password}\n` });
  expect(login).toMatchObject({ code: 0 });
  expect(login.stdout).toContain('Login Succeeded');

  const push = await e.docker(['push', ref]);
  expect(push.code).toBe(0);
  await e.ok(['rmi', ref]);
  expect((await e.docker(['pull', ref])).code).toBe(0);
  await e.ok(['logout', locked.host]);
  await e.ok(['rmi', ref]);
  const pull = await e.docker(['pull', ref]);
  expect(pull.code).toBe(1);
  expect(pull.stderr).toContain(`Head "http://${locked.host}/v2/team/app/manifests/1": no basic auth credentials`);
});

test('POST /auth: 200 with dockerd\'s body, 401 for bad credentials, 500 for an unreachable registry', async () => {
  const post = (body: unknown) => api(e.daemon.socket, 'POST', '/v1.50/auth', JSON.stringify(body));
  const good = await post({ ...USER, serveraddress: `http://${locked.host}/` });
  expect([good.status, good.json()]).toEqual([200, { Status: 'Login Succeeded', IdentityToken: '' }]);
  const bad = await post({ ...USER, password: 'nope', serveraddress: locked.host });
  expect([bad.status, bad.json()]).toEqual([401, { message: `login attempt to http://${locked.host}/v2/ failed with status: 401 Unauthorized` }]);
  const gone = await post({ ...USER, serveraddress: '127.0.0.1:1' });
  expect([gone.status, gone.json()]).toEqual([500, { message: 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused' }]);
  // A registry without auth takes any credentials, as with dockerd.
  expect((await post({ ...USER, serveraddress: open.host })).status).toBe(200);
});

test('GET /distribution/{name}/json: descriptor and platforms, with auth; 404 and 401 as dockerd', async () => {
  const [, digests] = await inspectIdAndDigests(`${open.host}/rt/app:1`);
  const found = await api(e.daemon.socket, 'GET', `/v1.50/distribution/${open.host}/rt/app:1/json`);
  expect(found.status).toBe(200);
  expect(found.json()).toEqual({
    Descriptor: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: digests[0].split('@')[1], size: expect.any(Number) },
    Platforms: [{ architecture: 'amd64', os: 'linux' }],
  });
  const missing = await api(e.daemon.socket, 'GET', `/v1.50/distribution/${open.host}/rt/app:nope/json`);
  expect([missing.status, missing.json()]).toEqual([404, { message: 'manifest unknown: manifest unknown' }]);
  const locks = `/v1.50/distribution/${locked.host}/team/app:1/json`;
  const withAuth = await api(e.daemon.socket, 'GET', locks, undefined, { 'X-Registry-Auth': base64url(USER) });
  expect(withAuth.status).toBe(200);
  const wrongAuth = await api(e.daemon.socket, 'GET', locks, undefined, { 'X-Registry-Auth': base64url({ ...USER, password: 'x' }) });
  expect([wrongAuth.status, wrongAuth.json()]).toEqual([401, { message: 'unauthorized: authentication required' }]);
  const viaDockerode = await dockerode.getImage(`${open.host}/rt/app:1`).distribution({} as object);
  expect(viaDockerode.Descriptor.digest).toBe(digests[0].split('@')[1]);
});
