/**
 * Container networking through the real docker CLI: bridges with their own subnets, names and aliases,
 * isolation between networks, published ports reached from the host, runtime connect and disconnect,
 * host/none/container modes, and bad input that leaves nothing half-made.
 */
import { createSocket } from 'node:dgram';
import { get } from 'node:http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { hostObjectsOf } from '../support/host-network';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

const run = (args: string[]) => e.ok(['run', '--pull', 'never', ...args]);
/** A web server whose page is `text`, as a detached container with these extra run flags. */
const web = (flags: string[], text: string) =>
  run(['-d', ...flags, BUSYBOX, 'sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 8080 -h /www`]);

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject).on('timeout', function (this: { destroy(): void }) { this.destroy(); reject(new Error('timeout')); });
  });
}

/** A page fetched from inside a container on `network`, retried until the server listens (busybox 1.35's `wget -T` crashes, so `timeout` bounds each try). */
async function fetchFrom(network: string, url: string): Promise<{ code: number; out: string }> {
  const r = await e.docker(['run', '--rm', '--pull', 'never', '--network', network, BUSYBOX, 'sh', '-c',
    `for i in $(seq 1 50); do timeout 2 wget -q -O- ${url} && exit 0; sleep 0.1; done; exit 1`]);
  return { code: r.code, out: r.stdout.trim() };
}

/**
 * One try, bounded to 2 s. Under a shell: busybox's `timeout` execs the program in its own place, and as the
 * container's pid 1 that program would ignore the SIGTERM meant to end it.
 */
async function fetchOnce(network: string, url: string): Promise<{ code: number; out: string }> {
  const r = await e.docker(['run', '--rm', '--pull', 'never', '--network', network, BUSYBOX, 'sh', '-c', `timeout 2 wget -q -O- ${url}; exit $?`]);
  return { code: r.code, out: r.stdout.trim() };
}

test('containers on one network reach each other by name and alias; inspect shows the endpoint', async () => {
  await e.ok(['network', 'create', '--subnet', '10.250.1.0/24', '--gateway', '10.250.1.1', 'front']);
  const id = await web(['--network', 'front', '--name', 'site', '--network-alias', 'www'], 'by-name');
  expect(await fetchFrom('front', 'http://site:8080/')).toEqual({ code: 0, out: 'by-name' });
  expect(await fetchFrom('front', 'http://www:8080/')).toEqual({ code: 0, out: 'by-name' });
  expect(await fetchFrom('front', `http://${id.slice(0, 12)}:8080/`)).toEqual({ code: 0, out: 'by-name' });
  // A container finds itself by its own alias too.
  expect(await e.ok(['exec', id, 'wget', '-q', '-O-', 'http://www:8080/'])).toBe('by-name');
  const ns = JSON.parse(await e.ok(['inspect', '-f', '{{json .NetworkSettings}}', id]));
  const ep = ns.Networks.front;
  expect(ep.IPAddress).toMatch(/^10\.250\.1\.\d+$/);
  expect(ep.Gateway).toBe('10.250.1.1');
  expect(ep.IPPrefixLen).toBe(24);
  expect(ep.Aliases).toContain('www');
  expect(ep.MacAddress).toMatch(/^02:42:0a:fa:01:/);
  // The container sees that same address on its own interface.
  const addr = await e.ok(['exec', id, 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
  expect(addr).toContain(`${ep.IPAddress}/24`);
  await e.ok(['rm', '-f', id]);
});

test('the default bridge gives an address from --bip and no name resolution', async () => {
  const id = await web([], 'default');
  const ns = JSON.parse(await e.ok(['inspect', '-f', '{{json .NetworkSettings}}', id]));
  expect(ns.IPAddress).toMatch(/^10\.\d+\.0\.\d+$/);
  expect(ns.Gateway).toBe(ns.IPAddress.replace(/\.\d+$/, '.1'));
  expect(ns.Networks.bridge.IPAddress).toBe(ns.IPAddress);
  // Reached by address from another container on the bridge, not by name (Docker resolves names only on user-defined networks).
  expect(await fetchFrom('bridge', `http://${ns.IPAddress}:8080/`)).toEqual({ code: 0, out: 'default' });
  expect((await fetchOnce('bridge', `http://${id.slice(0, 12)}:8080/`)).code).not.toBe(0);
  await e.ok(['rm', '-f', id]);
});

test('two networks are isolated from each other', async () => {
  await e.ok(['network', 'create', '--subnet', '10.250.2.0/24', 'iso-a']);
  await e.ok(['network', 'create', '--subnet', '10.250.3.0/24', 'iso-b']);
  const a = await web(['--network', 'iso-a', '--name', 'in-a'], 'from-a');
  const ip = await e.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "iso-a").IPAddress}}', a]);
  expect(await fetchFrom('iso-a', `http://${ip}:8080/`)).toEqual({ code: 0, out: 'from-a' });
  expect((await fetchOnce('iso-b', `http://${ip}:8080/`)).code).not.toBe(0);
  expect((await fetchOnce('iso-b', 'http://in-a:8080/')).code).not.toBe(0);
  await e.ok(['rm', '-f', a]);
});

test('published tcp ports are reached from the host: fixed, ephemeral and -P', async () => {
  const fixed = await freePort();
  const id = await web(['-p', `127.0.0.1:${fixed}:8080`, '-p', '8080', '--expose', '9000'], 'published');
  await waitFor(() => httpGet(fixed).then((b) => b.trim() === 'published'));
  const ports = await e.ok(['port', id]);
  expect(ports).toContain(`8080/tcp -> 127.0.0.1:${fixed}`);
  const ephemeral = Number(/8080\/tcp -> 0\.0\.0\.0:(\d+)/.exec(ports)?.[1]);
  expect(ephemeral).toBeGreaterThan(0);
  expect((await httpGet(ephemeral)).trim()).toBe('published');
  const inspected = JSON.parse(await e.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', id]));
  expect(inspected['9000/tcp']).toBeNull();
  expect(inspected['8080/tcp']).toEqual(expect.arrayContaining([{ HostIp: '127.0.0.1', HostPort: String(fixed) }]));
  const ps = await e.ok(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}']);
  expect(ps).toContain(`127.0.0.1:${fixed}->8080/tcp`);
  await e.ok(['stop', '-t', '1', id]);
  expect(JSON.parse(await e.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', id]))).toEqual({});
  await expect(httpGet(fixed)).rejects.toThrow();
  await e.ok(['rm', id]);

  const all = await e.ok(['run', '-d', '--pull', 'never', '-P', '--expose', '8080', BUSYBOX, 'sh', '-c', 'mkdir -p /w && echo all > /w/index.html && exec httpd -f -p 8080 -h /w']);
  const port = Number((await e.ok(['port', all, '8080/tcp'])).split('\n')[0].split(':').pop());
  await waitFor(() => httpGet(port).then((b) => b.trim() === 'all'));
  await e.ok(['rm', '-f', all]);
});

test('a published udp port forwards datagrams to the container and its replies back', async () => {
  // Busybox's nc has no UDP: the host's node (with its libraries bound read-only) is the echo server.
  const echo = "require('dgram').createSocket('udp4').on('message', function (m, r) { this.send('echo:' + m, r.port, r.address); }).bind(9999)";
  const id = await run(['-d', '-p', '127.0.0.1::9999/udp', '-v', '/usr/lib:/lib:ro', '-v', '/usr/lib64:/lib64:ro', '-v', `${process.execPath}:/node:ro`,
    BUSYBOX, '/node', '-e', echo]);
  const port = Number((await e.ok(['port', id, '9999/udp'])).split(':').pop());
  const sock = createSocket('udp4');
  const reply = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString())));
  try {
    await waitFor(async () => {
      sock.send('datagram', port, '127.0.0.1');
      return Promise.race([reply.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
    });
    expect(await reply).toBe('echo:datagram');
  } finally {
    sock.close();
  }
  await e.ok(['rm', '-f', id]);
});

test('connect and disconnect at runtime change what a container reaches and who resolves it', async () => {
  await e.ok(['network', 'create', '--subnet', '10.250.4.0/24', 'late']);
  const server = await web(['--network', 'late', '--name', 'late-server'], 'late');
  const client = await run(['-d', '--name', 'late-client', BUSYBOX, 'sleep', '300']);
  const reach = () => e.docker(['exec', client, 'timeout', '2', 'wget', '-q', '-O-', 'http://late-server:8080/']);
  expect((await reach()).code).not.toBe(0);
  await e.ok(['network', 'connect', '--alias', 'lc', 'late', client]);
  await waitFor(async () => (await reach()).stdout.trim() === 'late');
  expect(await e.ok(['exec', client, 'ip', '-o', 'link'])).toContain('eth1');
  // The server now resolves the newcomer by name and alias, without a restart.
  expect(await e.ok(['exec', server, 'sh', '-c', 'grep -w late-client /etc/hosts && grep -w lc /etc/hosts'])).toMatch(/10\.250\.4\.\d+/);
  await e.ok(['network', 'disconnect', 'late', client]);
  expect((await reach()).code).not.toBe(0);
  expect(await e.ok(['exec', client, 'ip', '-o', 'link'])).not.toContain('eth1');
  const gone = await e.docker(['exec', server, 'grep', '-w', 'late-client', '/etc/hosts']);
  expect(gone.code).not.toBe(0);
  await e.ok(['rm', '-f', server, client]);
});

test('host, none and container: network modes', async () => {
  const hostIfaces = await e.ok(['run', '--rm', '--pull', 'never', '--network', 'host', BUSYBOX, 'cat', '/proc/net/dev']);
  expect(hostIfaces).toMatch(/eth0|ens|enp/);
  const none = await e.ok(['run', '--rm', '--pull', 'never', '--network', 'none', BUSYBOX, 'sh', '-c', "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"]);
  expect(none.split('\n').sort()).toEqual(['lo']);
  const owner = await web(['--name', 'owner'], 'shared');
  const shared = await e.ok(['run', '--rm', '--pull', 'never', '--network', 'container:owner', BUSYBOX, 'sh', '-c',
    'for i in $(seq 1 50); do timeout 2 wget -q -O- http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1']);
  expect(shared).toBe('shared');
  await e.ok(['rm', '-f', owner]);
  const stopped = await e.ok(['create', '--pull', 'never', '--name', 'not-running', BUSYBOX, 'true']);
  const refused = await e.docker(['run', '--rm', '--pull', 'never', '--network', 'container:not-running', BUSYBOX, 'true']);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('cannot join network of a non running container');
  await e.ok(['rm', stopped]);
});

test('bad input gets Docker\'s errors and leaves nothing half-made', async () => {
  const before = hostObjectsOf(e.daemon.home);
  const invalid = await e.docker(['network', 'create', '--subnet', '10.250.300.0/24', 'bad']);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/invalid (network config|subnet|CIDR)/i);
  await e.ok(['network', 'create', '--subnet', '10.250.5.0/24', 'taken']);
  const overlap = await e.docker(['network', 'create', '--subnet', '10.250.5.128/25', 'overlapping']);
  expect(overlap.stderr).toContain('Pool overlaps with other one on this address space');
  const unknown = await e.docker(['network', 'connect', 'no-such-net', 'whatever']);
  expect(unknown.stderr).toMatch(/network no-such-net not found|No such container/);
  const c = await run(['-d', BUSYBOX, 'sleep', '300']);
  const unknownNet = await e.docker(['network', 'connect', 'no-such-net', c]);
  expect(unknownNet.stderr).toContain('network no-such-net not found');

  const port = await freePort();
  const first = await web(['-p', `127.0.0.1:${port}:8080`], 'first');
  await waitFor(() => httpGet(port).then((b) => b.trim() === 'first'));
  const during = hostObjectsOf(e.daemon.home);
  const second = await e.docker(['run', '-d', '--pull', 'never', '--name', 'second', '-p', `127.0.0.1:${port}:8080`, BUSYBOX, 'sleep', '300']);
  expect(second.code).not.toBe(0);
  expect(second.stderr).toContain(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}}', 'second'])).toBe('created false');
  // Nothing of the failed start stayed: no namespace, veth or rule beyond what the first container has.
  expect(hostObjectsOf(e.daemon.home)).toEqual(during);
  expect((await httpGet(port)).trim()).toBe('first');
  await e.ok(['rm', '-f', first, c, 'second']);
  await e.ok(['network', 'rm', 'taken']);
  await waitFor(async () => JSON.stringify(hostObjectsOf(e.daemon.home).netns) === JSON.stringify(before.netns));
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Polls `check` until it answers true (errors count as not yet), for at most 20 s. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try { if (await check()) return; } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met in 20 s${last ? `: ${(last as Error).message}` : ''}`);
}
