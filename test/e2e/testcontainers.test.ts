/**
 * Testcontainers for Node (the unchanged `testcontainers` package) against a private daemon: its runtime
 * strategy finds our socket from DOCKER_HOST, then wait strategies, mapped ports, exec, copies, networks with
 * aliases, stop and restart, log streams and the create options it sends.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import * as tar from 'tar-stream';
import {
  GenericContainer, Network, PullPolicy, Wait, getContainerRuntimeClient,
  type StartedNetwork, type StartedTestContainer,
} from 'testcontainers';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

/**
 * busybox under a name whose registry is `localhost`: should anything make testcontainers pull it, the
 * daemon could only ask this host, which has no registry, instead of Docker Hub.
 */
const IMAGE = 'localhost/sockerless-tc/busybox:e2e';
const WEB_SCRIPT = 'mkdir -p /www && echo "$PAGE" > /www/index.html && exec httpd -f -p 8080 -h /www';

let e: E2E;
const started: StartedTestContainer[] = [];
const networks: StartedNetwork[] = [];

beforeAll(async () => {
  e = await startE2E();
  await e.ok(['tag', BUSYBOX, IMAGE]);
  // testcontainers reads these when it first needs a client (not at import), so setting them here is in time.
  // DOCKER_HOST selects its ConfigurationStrategy, which is tried before any /var/run/docker.sock probing.
  process.env.DOCKER_HOST = e.daemon.dockerHost;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  for (const inherited of ['DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE', 'TESTCONTAINERS_REUSE_ENABLE']) {
    delete process.env[inherited];
  }
});

afterAll(async () => {
  for (const c of started) await c.stop().catch(() => undefined);
  for (const n of networks) await n.stop().catch(() => undefined);
  await e?.dispose();
});

/** A container of IMAGE that is never pulled: the default policy pulls only a missing image, and it exists. */
const busybox = () => new GenericContainer(IMAGE).withPullPolicy(PullPolicy.defaultPolicy());

async function start(container: GenericContainer): Promise<StartedTestContainer> {
  const c = await container.start();
  started.push(c);
  return c;
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host, port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject).on('timeout', function (this: { destroy(): void }) { this.destroy(); reject(new Error('timeout')); });
  });
}

/** Reads a testcontainers log stream until `text` has appeared, or fails at the deadline with what came. */
function readUntil(stream: Readable, text: string, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => { stream.destroy(); reject(new Error(`no "${text}" within ${ms} ms; got: ${JSON.stringify(seen)}`)); }, ms);
    stream.on('data', (d: string | Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) { clearTimeout(timer); stream.destroy(); resolve(seen); }
    });
    stream.on('end', () => { clearTimeout(timer); reject(new Error(`log stream ended without "${text}"; got: ${JSON.stringify(seen)}`)); });
  });
}

async function dockerode(): Promise<Dockerode> {
  const client = await getContainerRuntimeClient();
  return (client.container as unknown as { dockerode: Dockerode }).dockerode;
}

/** The entries of a tar stream as name -> content. */
async function untar(stream: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const extract = tar.extract();
  await new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      let text = '';
      body.on('data', (d: unknown) => { text += String(d); });
      body.on('end', () => { entries[header.name] = text; next(); });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.pipe(extract);
  });
  return entries;
}

test('the runtime client is our socket, found through DOCKER_HOST', async () => {
  const client = await getContainerRuntimeClient();
  const modem = (await dockerode()).modem as unknown as { socketPath?: string };
  expect(modem.socketPath).toBe(e.daemon.socket);
  expect(client.info.containerRuntime.host).toBe('127.0.0.1');
  expect(client.info.containerRuntime.remoteSocketPath).toBe(e.daemon.socket);
  expect(client.info.containerRuntime.serverVersion).toMatch(/\S/);
});

test('Wait.forLogMessage returns once the line is logged, and fails when the container exits without it', async () => {
  const c = await start(busybox()
    .withCommand(['sh', '-c', 'echo booting; echo "ready on port 1234"; exec sleep 600'])
    .withWaitStrategy(Wait.forLogMessage(/ready on port \d+/)));
  expect(await readUntil(await c.logs(), 'ready on port 1234')).toContain('booting\n');

  const never = busybox()
    .withLabels({ 'com.example.case': 'never-ready' })
    .withCommand(['sh', '-c', 'echo something else'])
    .withWaitStrategy(Wait.forLogMessage('ready'))
    .withStartupTimeout(20_000);
  await expect(never.start()).rejects.toThrow(/Log stream ended and message "ready" was not received/);
  // testcontainers stops and removes a container that failed its wait.
  expect(await e.ok(['ps', '-a', '-q', '--filter', 'label=com.example.case=never-ready'])).toBe('');
});

test('after restart, the log wait reads only what the new run logged (logs since the fractional start time)', async () => {
  // Each run counts itself in the container's filesystem and says so a little after starting.
  const c = await start(busybox()
    .withCommand(['sh', '-c', 'n=$(($(cat /tmp/runs 2>/dev/null || echo 0) + 1)); echo $n > /tmp/runs; sleep 0.3; echo "ready run-$n"; exec sleep 600'])
    .withWaitStrategy(Wait.forLogMessage('ready run-')));
  expect(await e.ok(['logs', c.getId()])).toBe('ready run-1');
  await c.restart();
  // Had the wait replayed the first run's line it would have returned before the second run logged its own.
  expect(await e.ok(['logs', c.getId()])).toBe('ready run-1\nready run-2');
});

test('Wait.forListeningPorts on httpd: mapped port and host serve the page; restart comes back; stop removes', async () => {
  const web = await start(busybox()
    .withExposedPorts(8080)
    .withEnvironment({ PAGE: 'hello-from-testcontainers' })
    .withCommand(['sh', '-c', WEB_SCRIPT])
    .withWaitStrategy(Wait.forListeningPorts()));
  const port = web.getMappedPort(8080);
  expect(port).toBeGreaterThan(0);
  expect(web.getHost()).toBe('127.0.0.1');
  expect(await httpGet(web.getHost(), port)).toBe('hello-from-testcontainers\n');

  await web.restart();
  const portAfter = web.getMappedPort(8080);
  expect(portAfter).toBeGreaterThan(0);
  expect(await httpGet(web.getHost(), portAfter)).toBe('hello-from-testcontainers\n');
  const info = await (await dockerode()).getContainer(web.getId()).inspect();
  expect(info.State.Running).toBe(true);
  expect(info.RestartCount).toBe(0);

  await web.stop();
  await expect((await dockerode()).getContainer(web.getId()).inspect()).rejects.toMatchObject({ statusCode: 404 });
});

test('Wait.forHttp on the mapped port', async () => {
  const web = await start(busybox()
    .withExposedPorts(8080)
    .withEnvironment({ PAGE: 'http-wait' })
    .withCommand(['sh', '-c', WEB_SCRIPT])
    .withWaitStrategy(Wait.forHttp('/', 8080).forStatusCode(200)));
  expect(await httpGet(web.getHost(), web.getMappedPort(8080))).toBe('http-wait\n');
});

test('Wait.forHealthCheck waits for healthy, and fails on unhealthy', async () => {
  const c = await start(busybox()
    .withCommand(['sh', '-c', 'sleep 1; touch /tmp/ready; exec sleep 600'])
    .withHealthCheck({ test: ['CMD-SHELL', 'test -f /tmp/ready'], interval: 200, timeout: 2000, retries: 50 })
    .withWaitStrategy(Wait.forHealthCheck()));
  const info = await (await dockerode()).getContainer(c.getId()).inspect();
  expect(info.State.Health?.Status).toBe('healthy');

  const sick = busybox()
    .withCommand(['sleep', '600'])
    .withHealthCheck({ test: ['CMD', 'false'], interval: 100, timeout: 2000, retries: 2 })
    .withWaitStrategy(Wait.forHealthCheck());
  await expect(sick.start()).rejects.toThrow('Health check failed: unhealthy');
});

test('exec returns stdout, stderr and the exit code, with env, working dir and user', async () => {
  const c = await start(busybox().withCommand(['sleep', '600']).withWaitStrategy(Wait.forListeningPorts()));
  expect(await c.exec(['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'])).toEqual({
    output: expect.stringMatching(/to-out\n|to-err\n/), stdout: 'to-out\n', stderr: 'to-err\n', exitCode: 3,
  });
  const r = await c.exec(['sh', '-c', 'echo "$WHO in $(pwd) as $(id -u)"'], { env: { WHO: 'exec' }, workingDir: '/tmp', user: '4321' });
  expect(r).toMatchObject({ stdout: 'exec in /tmp as 4321\n', exitCode: 0 });
  // As in Docker: the stream carries why the process could not start, and the exit code is 126.
  const missing = await c.exec(['no-such-command']);
  expect(missing).toMatchObject({ exitCode: 126, stdout: expect.stringContaining('"no-such-command": executable file not found in $PATH') });
});

test('files, content and directories copied before start and into a running container', async () => {
  const src = join(e.daemon.dir, 'tc-copy');
  mkdirSync(join(src, 'dir', 'nested'), { recursive: true });
  writeFileSync(join(src, 'file.txt'), 'from a file\n');
  writeFileSync(join(src, 'dir', 'a.txt'), 'dir a\n');
  writeFileSync(join(src, 'dir', 'nested', 'b.txt'), 'dir b\n');

  const c = await start(busybox()
    .withCommand(['sleep', '600'])
    .withWaitStrategy(Wait.forListeningPorts())
    .withCopyFilesToContainer([{ source: join(src, 'file.txt'), target: '/before/file.txt' }])
    .withCopyContentToContainer([{ content: '#!/bin/sh\necho script ran\n', target: '/before/run.sh', mode: 0o755 }])
    .withCopyDirectoriesToContainer([{ source: join(src, 'dir'), target: '/before/dir' }]));
  const cat = async (path: string) => (await c.exec(['cat', path])).stdout;
  expect(await cat('/before/file.txt')).toBe('from a file\n');
  expect(await cat('/before/dir/nested/b.txt')).toBe('dir b\n');
  expect((await c.exec(['/before/run.sh'])).stdout).toBe('script ran\n');
  expect((await c.exec(['stat', '-c', '%a', '/before/run.sh'])).stdout).toBe('755\n');

  await c.copyFilesToContainer([{ source: join(src, 'file.txt'), target: '/after/file.txt' }]);
  await c.copyContentToContainer([{ content: 'from content\n', target: '/after/content.txt' }]);
  await c.copyDirectoriesToContainer([{ source: join(src, 'dir'), target: '/after/dir' }]);
  expect(await cat('/after/file.txt')).toBe('from a file\n');
  expect(await cat('/after/content.txt')).toBe('from content\n');
  expect(await cat('/after/dir/a.txt')).toBe('dir a\n');
  expect(await cat('/after/dir/nested/b.txt')).toBe('dir b\n');

  const archive = await untar(await c.copyArchiveFromContainer('/after/dir'));
  expect(archive).toMatchObject({ 'dir/a.txt': 'dir a\n', 'dir/nested/b.txt': 'dir b\n' });
});

test('two containers on a Network: one reaches the other by its alias', async () => {
  const net = await new Network().start();
  networks.push(net);
  const server = await start(busybox()
    .withNetwork(net)
    .withNetworkAliases('svc')
    .withEnvironment({ PAGE: 'served-by-alias' })
    .withCommand(['sh', '-c', WEB_SCRIPT])
    .withWaitStrategy(Wait.forListeningPorts()));
  const client = await start(busybox().withNetwork(net).withCommand(['sleep', '600']).withWaitStrategy(Wait.forListeningPorts()));
  // With aliases testcontainers creates on the default network and then connects (so Docker lists both);
  // without, the network is the container's NetworkMode.
  expect(server.getNetworkNames().sort()).toEqual(['bridge', net.getName()].sort());
  expect(client.getNetworkNames()).toEqual([net.getName()]);
  expect(server.getIpAddress(net.getName())).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(server.getNetworkId(net.getName())).toBe(net.getId());

  // httpd is started by the time the server is returned, but not necessarily listening: retry within a deadline.
  // (No `wget -T`: Debian's static busybox 1.35 segfaults with it.)
  const fetched = await client.exec(['sh', '-c', 'for i in $(seq 1 100); do wget -q -O- http://svc:8080/ && exit 0; sleep 0.1; done; exit 1']);
  expect(fetched).toMatchObject({ exitCode: 0, stdout: 'served-by-alias\n' });
});

test('a stopped container that is kept is exited, with its logs', async () => {
  const c = await start(busybox().withCommand(['sh', '-c', 'echo kept; exec sleep 600']).withWaitStrategy(Wait.forLogMessage('kept')));
  await c.stop({ remove: false, timeout: 1000 });
  const info = await (await dockerode()).getContainer(c.getId()).inspect();
  expect(info.State).toMatchObject({ Running: false, Status: 'exited' });
  expect(await e.ok(['logs', c.getId()])).toBe('kept');
  await e.ok(['rm', c.getId()]);
});

test('environment, command, entrypoint, working dir, user, labels and a logs stream', async () => {
  const c = await start(busybox()
    .withEntrypoint(['sh', '-c'])
    .withCommand(['echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; for i in 1 2 3; do echo "line-$i"; done; exec sleep 600'])
    .withEnvironment({ GREETING: 'hello' })
    .withWorkingDir('/srv/app')
    .withUser('1234:5678')
    .withLabels({ 'com.example.suite': 'testcontainers' })
    .withWaitStrategy(Wait.forLogMessage('line-3')));
  const logs = await readUntil(await c.logs(), 'line-3');
  expect(logs).toBe('hello from /srv/app as 1234:5678\nline-1\nline-2\nline-3\n');
  expect(c.getLabels()).toMatchObject({ 'com.example.suite': 'testcontainers', 'org.testcontainers': 'true' });
  const listed = await e.ok(['ps', '--filter', 'label=com.example.suite=testcontainers', '--format', '{{.ID}}', '--no-trunc']);
  expect(listed).toBe(c.getId());
  const info = await (await dockerode()).getContainer(c.getId()).inspect();
  expect(info.Config).toMatchObject({ Entrypoint: ['sh', '-c'], WorkingDir: '/srv/app', User: '1234:5678' });
  expect(info.Config.Env).toContain('GREETING=hello');
  expect(c.getName()).toMatch(/^\/\w/);
});

test('name, hostname, extra hosts, tmpfs, a read-only bind mount, and reuse of a running container', async () => {
  const bound = join(e.daemon.dir, 'tc-bind');
  mkdirSync(bound, { recursive: true });
  writeFileSync(join(bound, 'note'), 'from the host\n');
  const reusable = () => busybox()
    .withName('tc-reused')
    .withHostname('tc-host')
    .withExtraHosts([{ host: 'extra.example', ipAddress: '10.1.2.3' }])
    .withTmpFs({ '/scratch': 'rw' })
    .withBindMounts([{ source: bound, target: '/host', mode: 'ro' }])
    .withCommand(['sleep', '600'])
    .withReuse();
  const c = await start(reusable());
  expect(c.getName()).toBe('/tc-reused');
  expect(c.getHostname()).toBe('tc-host');
  expect((await c.exec(['hostname'])).stdout).toBe('tc-host\n');
  expect((await c.exec(['grep', 'extra.example', '/etc/hosts'])).stdout).toBe('10.1.2.3\textra.example\n');
  expect((await c.exec(['sh', '-c', 'grep " /scratch " /proc/mounts | cut -d" " -f3'])).stdout).toBe('tmpfs\n');
  expect((await c.exec(['cat', '/host/note'])).stdout).toBe('from the host\n');
  expect((await c.exec(['sh', '-c', 'echo x > /host/new'])).exitCode).not.toBe(0);
  // The same definition again finds the running container by its hash label (a filtered, limited list).
  const again = await reusable().start();
  expect(again.getId()).toBe(c.getId());
});

test('nothing was pulled: every image testcontainers asked for was found locally', async () => {
  const pulls = await e.ok(['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000)), '--filter', 'type=image', '--filter', 'event=pull', '--format', '{{.Actor.ID}}']);
  expect(pulls).toBe('');
  // The events history is there to be asked: the tag this file made is in it.
  const tags = await e.ok(['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000)), '--filter', 'type=image', '--filter', 'event=tag', '--format', '{{.Actor.Attributes.name}}']);
  expect(tags).toContain(IMAGE);
});
