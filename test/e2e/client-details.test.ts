/**
 * The details that clients check (issue 14, item 7), each as dockerd answers it: a SIGKILL that returns once
 * the container is down, swarm endpoints that say "no swarm" as a 503, the log driver kept and `none`
 * honoured, empty endpoint aliases kept, the runtime shown, and prune counting what it reclaimed.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
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

test('a subnet with host bits: kept as given for API < 1.44 (bollard, dockerd 20.10), refused from 1.44 on', async () => {
  const body = { Name: 'host-bits', IPAM: { Config: [{ Subnet: '10.10.10.10/24' }] } };
  expect((await call('POST', '/v1.50/networks/create', body)).json()).toEqual({ message: 'invalid network config:\ninvalid subnet 10.10.10.10/24: it should be 10.10.10.0/24' });
  expect((await call('POST', '/v1.41/networks/create', body)).status).toBe(201);
  expect((await call('GET', '/v1.41/networks/host-bits')).json().IPAM.Config).toEqual([{ Subnet: '10.10.10.10/24' }]);
  const id = await e.ok(['run', '-d', '--network', 'host-bits', BUSYBOX, 'sleep', '300']);
  expect(JSON.parse(await e.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', id]))['host-bits'].IPAddress).toMatch(/^10\.10\.10\.\d+$/);
  await e.ok(['rm', '-f', id]);
  await e.ok(['network', 'rm', 'host-bits']);
});

test('container prune reports the bytes of the writable layers it removed', async () => {
  await e.ok(['run', '--name', 'prune-writer', BUSYBOX, 'sh', '-c', 'head -c 100000 /dev/zero > /blob']);
  const r = await call('POST', '/v1.41/containers/prune');
  expect(r.status).toBe(200);
  const body = r.json();
  expect(body.ContainersDeleted).toEqual(expect.arrayContaining([expect.any(String)]));
  expect(body.SpaceReclaimed).toBeGreaterThanOrEqual(100000);
});

test('container prune reads until as dockerd does: a duration back from now keeps the younger, a bad time is a 400', async () => {
  const id = await e.ok(['create', '--name', 'prune-young', BUSYBOX, 'true']);
  const prune = (until: string) => call('POST', `/v1.41/containers/prune?filters=${encodeURIComponent(JSON.stringify({ until: [until] }))}`);
  expect((await prune('1h')).json().ContainersDeleted ?? []).not.toContain(id);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}}', id])).toBe('created');
  expect((await prune('soon')).json()).toEqual({ message: 'failed to parse value as time or duration: "soon"' });
  expect((await prune(String(Math.floor(Date.now() / 1000) + 60))).json().ContainersDeleted).toContain(id);
});

test('--link: the alias in /etc/hosts and the ALIAS_* variables; a link is removed by its name', async () => {
  await e.ok(['run', '-d', '--name', 'link-web', '-e', 'FOO=bar', '--expose', '80', '--expose', '53/udp', BUSYBOX, 'sleep', '300']);
  const webIp = await e.ok(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', 'link-web']);
  const out = await e.ok(['run', '--rm', '--name', 'link-client', '--link', 'link-web:db', BUSYBOX, 'sh', '-c', 'env | sort | grep ^DB_; cat /etc/hosts']);
  const env = out.split('\n').filter((l) => l.startsWith('DB_'));
  expect(env).toEqual([
    'DB_ENV_FOO=bar', 'DB_NAME=/link-client/db', `DB_PORT=udp://${webIp}:53`,
    `DB_PORT_53_UDP=udp://${webIp}:53`, `DB_PORT_53_UDP_ADDR=${webIp}`, 'DB_PORT_53_UDP_PORT=53', 'DB_PORT_53_UDP_PROTO=udp',
    `DB_PORT_80_TCP=tcp://${webIp}:80`, `DB_PORT_80_TCP_ADDR=${webIp}`, 'DB_PORT_80_TCP_PORT=80', 'DB_PORT_80_TCP_PROTO=tcp',
  ]);
  expect(out).toMatch(new RegExp(`^${webIp.replace(/\./g, '\\.')}\\s+db\\s+[0-9a-f]{12}\\s+link-web$`, 'm'));
  await e.ok(['create', '--name', 'linked', '--link', 'link-web:db', BUSYBOX, 'true']);
  expect(JSON.parse(await e.ok(['inspect', '-f', '{{json .HostConfig.Links}}', 'linked']))).toEqual(['/link-web:/linked/db']);
  expect((await call('DELETE', '/v1.41/containers/linked?link=true')).json()).toEqual({ message: 'Conflict, cannot remove the default link name of the container' });
  expect((await call('DELETE', '/v1.41/containers/linked/nope?link=true')).status).toBe(404);
  expect((await call('DELETE', '/v1.41/containers/linked/db?link=true')).status).toBe(204);
  expect(await e.ok(['inspect', '-f', '{{json .HostConfig.Links}}', 'linked'])).toBe('null');
  const missing = await e.docker(['create', '--link', 'no-such-container:x', BUSYBOX, 'true']);
  expect(missing.stderr).toContain('could not get container for no-such-container: No such container: no-such-container');
  // A link to a container that is not running refuses the start.
  await e.ok(['create', '--name', 'link-stopped', BUSYBOX, 'true']);
  await e.ok(['create', '--name', 'link-to-stopped', '--link', 'link-stopped:s', BUSYBOX, 'true']);
  const refused = await e.docker(['start', 'link-to-stopped']);
  expect(refused.stderr).toContain('Cannot link to a non running container: /link-stopped AS /link-to-stopped/s');
  await e.ok(['rm', '-f', 'link-web', 'linked', 'link-stopped', 'link-to-stopped']);
});

test('--group-add (numeric and named) gives the workload those groups; an unknown name is refused', async () => {
  expect(await e.ok(['run', '--rm', '--group-add', '1234', '--group-add', 'app', BUSYBOX, 'id'])).toBe('uid=0(root) gid=0(root) groups=0(root),1000(app),1234');
  expect(JSON.parse(await e.ok(['inspect', '-f', '{{json .HostConfig.GroupAdd}}', await e.ok(['create', '--group-add', '77', BUSYBOX, 'true'])]))).toEqual(['77']);
  const unknown = await e.docker(['run', '--rm', '--group-add', 'nosuch', BUSYBOX, 'id']);
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain('Unable to find group nosuch: no matching entries in group file');
  // An exec runs with the container's added groups too, as dockerd's getUser gives them.
  const running = await e.ok(['run', '-d', '--group-add', '1234', BUSYBOX, 'sleep', '60']);
  expect(await e.ok(['exec', running, 'id'])).toBe('uid=0(root) gid=0(root) groups=0(root),1234');
  await e.ok(['rm', '-f', running]);
});

test('--mac-address sets the interface address, given per endpoint (API 1.44+) or as Config.MacAddress (1.41)', async () => {
  // Read with `ip`: the sandbox's /sys is the host's, so /sys/class/net would show the host's interfaces.
  const showMac = ['sh', '-c', 'ip -o link show eth0 | grep -o "ether [^ ]*"'];
  expect(await e.ok(['run', '--rm', '--mac-address', '02:42:ac:11:00:99', BUSYBOX, ...showMac])).toBe('ether 02:42:ac:11:00:99');
  const created = await call('POST', '/v1.41/containers/create?name=legacy-mac', { Image: BUSYBOX, Cmd: showMac, MacAddress: '02:42:ac:11:00:98' });
  expect(created.status).toBe(201);
  expect(await e.ok(['start', '-a', 'legacy-mac'])).toBe('ether 02:42:ac:11:00:98');
  expect((await call('GET', '/v1.41/containers/legacy-mac/json')).json().Config.MacAddress).toBe('02:42:ac:11:00:98');
  await e.ok(['rm', 'legacy-mac']);
});

test('volume subpath mounts a directory of the volume; bind propagation is kept and reported', async () => {
  await e.ok(['volume', 'create', 'subpath-vol']);
  await e.ok(['run', '--rm', '-v', 'subpath-vol:/v', BUSYBOX, 'sh', '-c', 'mkdir -p /v/sub && echo inside > /v/sub/file && echo top > /v/top']);
  expect(await e.ok(['run', '--rm', '--mount', 'type=volume,source=subpath-vol,target=/data,volume-subpath=sub', BUSYBOX, 'sh', '-c', 'ls /data; cat /data/file'])).toBe('file\ninside');
  const escape = await call('POST', '/v1.44/containers/create', { Image: BUSYBOX, Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'volume', Source: 'subpath-vol', Target: '/d', VolumeOptions: { Subpath: '../..' } }] } });
  expect(escape.status).toBe(400);
  const missing = await call('POST', '/v1.44/containers/create', { Image: BUSYBOX, Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'volume', Source: 'subpath-vol', Target: '/d', VolumeOptions: { Subpath: 'nothing-here' } }] } });
  expect(missing.status).toBe(400);
  const id = await e.ok(['create', '-v', `${e.daemon.dir}:/host:rshared`, '--mount', `type=bind,source=${e.daemon.dir},target=/b,bind-propagation=rslave`, BUSYBOX, 'true']);
  const mounts = JSON.parse(await e.ok(['inspect', '-f', '{{json .Mounts}}', id])) as { Destination: string; Propagation: string; Mode: string }[];
  expect(Object.fromEntries(mounts.map((m) => [m.Destination, m.Propagation]))).toEqual({ '/host': 'rshared', '/b': 'rslave' });
  await e.ok(['rm', id]);
});

test('images/load: a chunked stream from stdin loads; a body that is no archive is an error in the JSON stream', async () => {
  const archive = join(e.daemon.dir, 'busybox-save.tar');
  await e.ok(['save', '-o', archive, BUSYBOX]);
  // dockerode sends a stream chunked, without Content-Length, as `docker load` from stdin does.
  const chunked = await client.loadImage(createReadStream(archive));
  const text = await new Promise<string>((resolve) => { let t = ''; chunked.on('data', (d: Buffer) => { t += d; }); chunked.on('end', () => resolve(t)); });
  expect(text).toContain('Loaded image: busybox:latest');
  const garbage = await e.docker(['load'], { input: 'garbage' });
  expect(garbage.code).toBe(1);
  expect(garbage.stderr).toContain('invalid tar archive');
});

test('attach over a websocket: raw output in binary frames, the frames sent are stdin, 404 before the upgrade', async () => {
  const { WebSocket } = await import('ws');
  const id = await e.ok(['run', '-d', '-i', BUSYBOX, 'sh', '-c', 'echo out; read line; echo "got $line"; echo err >&2']);
  const ws = new WebSocket(`ws+unix://${e.daemon.socket}:/v1.41/containers/${id}/attach/ws?logs=1&stream=1&stdout=1&stderr=1&stdin=1`);
  const frames: { text: string; binary: boolean }[] = [];
  ws.on('message', (d: Buffer, binary: boolean) => {
    frames.push({ text: d.toString(), binary });
    if (d.toString().includes('out')) ws.send('hello\n');
  });
  const code = await new Promise<number>((resolve, reject) => { ws.on('close', resolve); ws.on('error', reject); });
  // The container's exit ends the attach with a normal closure.
  expect(code).toBe(1000);
  expect(frames.every((f) => f.binary)).toBe(true);
  // Raw: no 8-byte stream headers, even without a TTY.
  expect(frames.map((f) => f.text).join('')).toBe('out\ngot hello\nerr\n');
  const missing = new WebSocket(`ws+unix://${e.daemon.socket}:/v1.41/containers/no-such-container/attach/ws?stream=1&stdout=1`);
  const status = await new Promise<number>((resolve) => missing.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  expect(status).toBe(404);
  missing.on('error', () => undefined);
  await e.ok(['rm', id]);
});
