/**
 * The details that clients check (issue 14, item 7), each as dockerd answers it: a SIGKILL that returns once
 * the container is down, swarm endpoints that say "no swarm" as a 503, the log driver kept and `none`
 * honoured, empty endpoint aliases kept, the runtime shown, and prune counting what it reclaimed.
 */
import Docker from 'dockerode';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let client: Docker;
beforeAll(async () => {
  e = await startE2E();
  client = new Docker({ socketPath: e.daemon.socket });
});
afterAll(async () => { await e?.dispose(); });

const call = (method: string, path: string, body?: object) => api(e.daemon.socket, method, path, body === undefined ? undefined : JSON.stringify(body));

test('docker kill returns once the container is down: inspect says exited and a plain rm succeeds', async () => {
  for (let i = 0; i < 3; i++) {
    const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '300']);
    await e.ok(['kill', id]);
    expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}', id])).toBe('exited false 137');
    await e.ok(['rm', id]);
  }
  // dockerode's kill with an explicit SIGKILL, then remove without force.
  const c = await client.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '300'] });
  await c.start();
  await c.kill({ signal: 'SIGKILL' });
  await c.remove();
});

test('swarm endpoints answer 503 as on a node outside a swarm; init and join are 501', async () => {
  const manager = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
  for (const [method, path] of [['GET', '/swarm'], ['GET', '/services'], ['GET', '/nodes'], ['GET', '/tasks'], ['GET', '/secrets'], ['GET', '/configs'],
    ['GET', '/services/x'], ['DELETE', '/services/x'], ['GET', '/swarm/unlockkey'], ['POST', '/swarm/update?version=1']]) {
    const r = await call(method, `/v1.41${path}`, method === 'POST' ? {} : undefined);
    expect({ path, status: r.status, body: r.json() }).toEqual({ path, status: 503, body: { message: manager } });
  }
  const leave = await call('POST', '/v1.41/swarm/leave');
  expect({ status: leave.status, body: leave.json() }).toEqual({ status: 503, body: { message: 'This node is not part of a swarm' } });
  expect((await call('POST', '/v1.41/swarm/init', { ListenAddr: '0.0.0.0' })).status).toBe(501);
  // dockerode's listServices fails with the 503, which clients read as "no swarm".
  await expect(client.listServices()).rejects.toMatchObject({ statusCode: 503 });
  const cli = await e.docker(['service', 'ls']);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr).toContain('This node is not a swarm manager');
  // The networks listing is untouched by all of it.
  expect(await e.ok(['network', 'ls', '--format', '{{.Name}}'])).toContain('bridge');
});

test('LogConfig is kept and shown; an unknown driver is a 400; --log-driver none makes logs a 501', async () => {
  const plain = await e.ok(['create', BUSYBOX, 'true']);
  expect(JSON.parse(await e.ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', plain]))).toEqual({ Type: 'json-file', Config: {} });
  const local = await e.ok(['create', '--log-driver', 'local', '--log-opt', 'max-size=10m', BUSYBOX, 'true']);
  expect(JSON.parse(await e.ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', local]))).toEqual({ Type: 'local', Config: { 'max-size': '10m' } });
  const bogus = await e.docker(['create', '--log-driver', 'bogus', BUSYBOX, 'true']);
  expect(bogus.code).not.toBe(0);
  expect(bogus.stderr).toContain('error looking up logging plugin bogus: plugin "bogus" not found');
  const silent = await e.ok(['run', '-d', '--log-driver', 'none', BUSYBOX, 'sh', '-c', 'echo hidden; sleep 300']);
  const logs = await e.docker(['logs', silent]);
  expect(logs.code).not.toBe(0);
  expect(logs.stderr).toContain('configured logging driver does not support reading');
  const r = await call('GET', `/v1.41/containers/${silent}/logs?stdout=1`);
  expect({ status: r.status, body: r.json() }).toEqual({ status: 501, body: { message: 'configured logging driver does not support reading' } });
  // Attached output is not a log: `docker run` without -d still prints it.
  expect(await e.ok(['run', '--rm', '--log-driver', 'none', BUSYBOX, 'echo', 'attached'])).toBe('attached');
  await e.ok(['rm', '-f', silent, plain, local]);
});

test('inspect shows HostConfig.Runtime, and endpoint Aliases sent empty stay an empty list', async () => {
  await e.ok(['network', 'create', 'details-net']);
  const created = await call('POST', '/v1.41/containers/create?name=aliases-empty', {
    Image: BUSYBOX, Cmd: ['true'], NetworkingConfig: { EndpointsConfig: { 'details-net': { Aliases: [] } } },
  });
  expect(created.status).toBe(201);
  const inspect = (await call('GET', '/v1.41/containers/aliases-empty/json')).json();
  expect(inspect.NetworkSettings.Networks['details-net'].Aliases).toEqual([]);
  expect(typeof inspect.HostConfig.Runtime).toBe('string');
  expect(inspect.HostConfig.Runtime).not.toBe('');
  await e.ok(['rm', 'aliases-empty']);
  await e.ok(['network', 'rm', 'details-net']);
});

test('container prune reports the bytes of the writable layers it removed', async () => {
  await e.ok(['run', '--name', 'prune-writer', BUSYBOX, 'sh', '-c', 'head -c 100000 /dev/zero > /blob']);
  const r = await call('POST', '/v1.41/containers/prune');
  expect(r.status).toBe(200);
  const body = r.json();
  expect(body.ContainersDeleted).toEqual(expect.arrayContaining([expect.any(String)]));
  expect(body.SpaceReclaimed).toBeGreaterThanOrEqual(100000);
});
