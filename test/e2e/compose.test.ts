/**
 * docker-compose 1.29.2 (Debian's python docker-compose on docker-py 5), unchanged, drives a three-service
 * stack against the daemon: a custom network on which services find each other by name, a named volume,
 * `depends_on: {condition: service_healthy}`, a port published to the host, then ps, logs, exec, run,
 * recreate, stop and down -v. Each step runs the real client and asserts what it printed.
 */
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { api } from '../support/raw-http';

const COMPOSE = process.env.DOCKER_COMPOSE ?? '/usr/bin/docker-compose';
const PROJECT = 'shop';
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'compose');

let e: E2E;

interface ComposeResult { code: number; stdout: string; stderr: string }
interface Project { dir: string; name: string }

/** A temp copy of fixture `stack`, as compose project `name`. */
function project(stack: string, name: string): Project {
  const dir = join(e.daemon.dir, stack);
  cpSync(join(FIXTURES, stack), dir, { recursive: true });
  return { dir, name };
}

let shop: Project;

/** Runs docker-compose in a project's dir, against this test's daemon only. */
function compose(args: string[], env: Record<string, string> = {}, p: Project = shop, timeoutMs = 120_000): Promise<ComposeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(COMPOSE, ['--ansi', 'never', ...args], {
      cwd: p.dir,
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', // `run` and `exec` call the docker CLI
        HOME: e.daemon.dir,
        DOCKER_HOST: e.daemon.dockerHost,
        DOCKER_CONFIG: join(e.daemon.dir, 'docker-config'),
        COMPOSE_PROJECT_NAME: p.name,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`docker-compose ${args.join(' ')} timed out\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
  });
}

/** Like compose(), but fails with everything it printed (and the daemon's log tail) unless it exits 0. */
async function composeOk(args: string[], env: Record<string, string> = {}, p: Project = shop): Promise<ComposeResult> {
  const r = await compose(args, env, p);
  if (r.code !== 0) throw new Error(`docker-compose ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\ndaemon: ${e.daemon.output().slice(-3000)}`);
  return r;
}

function httpGet(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).on('timeout', function (this: { destroy(): void }) { this.destroy(); reject(new Error('timeout')); });
  });
}

/** `docker-compose ps` rows by container name: the State and Ports columns. */
function psRows(out: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^(shop_\w+_1)\s+sh \/scripts\/\w+\.sh\s+(.*?)\s*$/.exec(line);
    if (m) rows.set(m[1], m[2]);
  }
  return rows;
}

interface DockerEvent { Action: string; timeNano: number; Actor: { Attributes: Record<string, string> } }

beforeAll(async () => {
  e = await startE2E();
  shop = project('three-tier', PROJECT);
});
afterAll(async () => {
  if (shop) await compose(['down', '-v', '-t', '1']).catch(() => undefined);
  await e?.dispose();
});

test('the image is busybox and nothing of the project exists yet', async () => {
  expect(await e.ok(['image', 'inspect', '-f', '{{.Id}}', BUSYBOX])).toMatch(/^sha256:/);
  expect(await e.ok(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).toBe('');
});

test('up -d creates network, volume and services, and starts each only once the one it depends on is healthy', async () => {
  const since = (Date.now() / 1000).toFixed(3);
  const up = await composeOk(['up', '-d']);
  const until = (Date.now() / 1000 + 0.001).toFixed(3);
  expect(up.stderr).toContain(`Creating network "${PROJECT}_backend" with the default driver`);
  expect(up.stderr).toContain(`Creating volume "${PROJECT}_state" with default driver`);
  for (const s of ['db', 'api', 'web']) expect(up.stderr).toMatch(new RegExp(`Creating ${PROJECT}_${s}_1 \\.\\.\\. done`));

  // When `up` returns, the services it waited on are healthy.
  for (const s of ['db', 'api']) expect(await e.ok(['inspect', '-f', '{{.State.Health.Status}}', `${PROJECT}_${s}_1`])).toBe('healthy');

  // The daemon's own record of the run: db turned healthy before api started, api before web.
  const lines = await e.ok(['events', '--since', since, '--until', until, '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{json .}}']);
  const events = lines.split('\n').filter(Boolean).map((l) => JSON.parse(l) as DockerEvent);
  const at = (service: string, action: string) => {
    const ev = events.find((x) => x.Action === action && x.Actor.Attributes['com.docker.compose.service'] === service);
    if (!ev) throw new Error(`no '${action}' event for ${service} in:\n${lines}`);
    return ev.timeNano;
  };
  expect(at('db', 'start')).toBeLessThan(at('db', 'health_status: healthy'));
  expect(at('db', 'health_status: healthy')).toBeLessThan(at('api', 'start'));
  expect(at('api', 'health_status: healthy')).toBeLessThan(at('web', 'start'));
  // db's state file appears two seconds after it starts, so a probe failed first and `up` really waited.
  const failedProbe = events.find((x) => x.Action === 'exec_die' && x.Actor.Attributes['com.docker.compose.service'] === 'db' && x.Actor.Attributes.exitCode !== '0');
  expect(failedProbe?.timeNano).toBeLessThan(at('db', 'health_status: healthy'));
});

test('up -d again finds every service up to date and changes nothing', async () => {
  const before = await e.ok(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${PROJECT}`]);
  const again = await composeOk(['up', '-d']);
  for (const s of ['db', 'api', 'web']) expect(again.stderr).toContain(`${PROJECT}_${s}_1 is up-to-date`);
  expect(await e.ok(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${PROJECT}`])).toBe(before);
});

test('ps shows the three services up, the checked ones healthy, and the published port', async () => {
  const rows = psRows((await composeOk(['ps'])).stdout);
  expect([...rows.keys()].sort()).toEqual([`${PROJECT}_api_1`, `${PROJECT}_db_1`, `${PROJECT}_web_1`]);
  expect(rows.get(`${PROJECT}_db_1`)).toBe('Up (healthy)');
  expect(rows.get(`${PROJECT}_api_1`)).toBe('Up (healthy)');
  expect(rows.get(`${PROJECT}_web_1`)).toMatch(/^Up\s+127\.0\.0\.1:\d+->80\/tcp$/);
  expect((await composeOk(['ps', '--services', '--filter', 'status=running'])).stdout.split('\n').filter(Boolean).sort()).toEqual(['api', 'db', 'web']);
});

test('the host reaches web on the port `port` names, and its page came through api from db by service names', async () => {
  const where = (await composeOk(['port', 'web', '80'])).stdout.trim();
  expect(where).toMatch(/^127\.0\.0\.1:\d+$/);
  const port = Number(where.split(':')[1]);
  const ps = psRows((await composeOk(['ps'])).stdout);
  expect(ps.get(`${PROJECT}_web_1`)).toContain(`127.0.0.1:${port}->80/tcp`);
  expect(await httpGet(port)).toEqual({ status: 200, body: 'web via api: api sees db: ready\n' });
});

test('logs has the lines of every service, prefixed by service', async () => {
  const { stdout } = await composeOk(['logs', '--no-color']);
  expect(stdout).toMatch(/^db_1\s+\| db: starting$/m);
  expect(stdout).toMatch(/^db_1\s+\| db: state written$/m);
  expect(stdout).toMatch(/^api_1\s+\| api: page built from db \(ready\)$/m);
  expect(stdout).toMatch(/^web_1\s+\| web: page built from api$/m);
  const onlyDb = (await composeOk(['logs', '--no-color', '--tail', '1', 'db'])).stdout;
  expect(onlyDb).toMatch(/^db_1\s+\| db: state written$/m);
  expect(onlyDb).not.toContain('db: starting');
  expect(onlyDb).not.toContain('api_1');
});

test('exec -T runs in a service: reads the named volume, reaches another service by name, passes env, workdir, user and exit code (docker CLI and docker-py paths)', async () => {
  expect((await composeOk(['exec', '-T', 'db', 'cat', '/data/state'])).stdout).toBe('ready\n');
  expect((await composeOk(['exec', '-T', 'api', 'wget', '-q', '-O-', 'http://db:5432/state'])).stdout).toBe('ready\n');
  const ctx = await composeOk(['exec', '-T', '-e', 'GREETING=hi', '-w', '/www', '-u', '1000', 'api', 'sh', '-c', 'echo "$GREETING $(pwd) $(id -u)"']);
  expect(ctx.stdout).toBe('hi /www 1000\n');
  expect((await compose(['exec', '-T', 'api', 'sh', '-c', 'exit 7'])).code).toBe(7);
  // compose hands exec to the docker CLI unless told not to; then docker-py makes the exec calls itself.
  const viaPy = await compose(['exec', '-T', 'db', 'sh', '-c', 'cat /data/state; echo oops >&2; exit 5'], { COMPOSE_INTERACTIVE_NO_CLI: '1' });
  expect(viaPy.code).toBe(5);
  // compose's dockerpty writes the demultiplexed stderr to its stdout too (as against dockerd).
  expect(viaPy.stdout.split('\n').sort()).toEqual(['', 'oops', 'ready']);
});

test('run --rm starts a one-off container on the network, propagates its exit code and removes it (docker CLI and docker-py paths)', async () => {
  const r = await compose(['run', '--rm', '-T', 'api', 'sh', '-c', 'wget -q -O- http://web:80/ && exit 3']);
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 3, stdout: 'web via api: api sees db: ready\n' });
  expect(r.stderr).toMatch(new RegExp(`Creating ${PROJECT}_api_run \\.\\.\\. done`));
  // Through docker-py, compose 1.29 attaches only after the start (dockerpty builds its sockets with a lazy
  // `map`), so early output may be lost against any engine: the one-off leaves its result in db's volume.
  const viaPy = await compose(['run', '--rm', '-T', 'db', 'sh', '-c', 'wget -q -O /data/from-run http://api:8080/ && exit 4'], { COMPOSE_INTERACTIVE_NO_CLI: '1' });
  expect(viaPy.code).toBe(4);
  expect((await composeOk(['exec', '-T', 'db', 'cat', '/data/from-run'])).stdout).toBe('api sees db: ready\n');
  const oneOffs = await e.ok(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', 'label=com.docker.compose.oneoff=True']);
  expect(oneOffs).toBe('');
  // The service containers were left alone.
  expect((await e.ok(['ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`])).split('\n')).toHaveLength(3);
});

test('up --force-recreate replaces db and keeps its named volume (API 1.44: image inspect still carries ContainerConfig)', async () => {
  // compose 1.29 reads the image's ContainerConfig when it carries volumes over to the new container; Docker
  // drops that field from API 1.45 on, so against any newer engine compose is pinned to an older API.
  const v144 = (await api(e.daemon.socket, 'GET', `/v1.44/images/${BUSYBOX}/json`)).json();
  expect(v144.ContainerConfig).toMatchObject({ Image: '', Volumes: null, Cmd: null });
  expect((await api(e.daemon.socket, 'GET', `/v1.50/images/${BUSYBOX}/json`)).json()).not.toHaveProperty('ContainerConfig');

  await composeOk(['exec', '-T', 'db', 'sh', '-c', 'echo kept > /data/marker']);
  const oldId = await e.ok(['inspect', '-f', '{{.Id}}', `${PROJECT}_db_1`]);
  const r = await composeOk(['up', '-d', '--force-recreate', '--no-deps', 'db'], { COMPOSE_API_VERSION: '1.44' });
  expect(r.stderr).toMatch(new RegExp(`Recreating ${PROJECT}_db_1 \\.\\.\\. done`));
  expect(await e.ok(['inspect', '-f', '{{.Id}}', `${PROJECT}_db_1`])).not.toBe(oldId);
  expect((await e.docker(['inspect', oldId])).code).not.toBe(0);
  expect((await composeOk(['exec', '-T', 'db', 'cat', '/data/marker'])).stdout).toBe('kept\n');
  const mounts = JSON.parse(await e.ok(['inspect', '-f', '{{json .Mounts}}', `${PROJECT}_db_1`])) as { Name?: string; Destination: string }[];
  expect(mounts.find((m) => m.Destination === '/data')?.Name).toBe(`${PROJECT}_state`);
});

test('stop ends every service with SIGTERM, and ps shows them exited 0', async () => {
  const r = await composeOk(['stop', '-t', '10']);
  for (const s of ['db', 'api', 'web']) expect(r.stderr).toMatch(new RegExp(`Stopping ${PROJECT}_${s}_1\\s+\\.\\.\\. done`));
  const rows = psRows((await composeOk(['ps'])).stdout);
  expect([...rows.values()]).toEqual(['Exit 0', 'Exit 0', 'Exit 0']);
  const { stdout } = await composeOk(['logs', '--no-color']);
  for (const s of ['db', 'api', 'web']) expect(stdout).toMatch(new RegExp(`^${s}_1\\s+\\| ${s}: stopping$`, 'm'));
});

test('down -v removes the containers, the network and the named volume', async () => {
  const r = await composeOk(['down', '-v']);
  expect(r.stderr).toContain(`Removing network ${PROJECT}_backend`);
  expect(r.stderr).toContain(`Removing volume ${PROJECT}_state`);
  expect(await e.ok(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).toBe('');
  expect(await e.ok(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`])).toBe('');
  expect((await e.docker(['network', 'inspect', `${PROJECT}_backend`])).code).not.toBe(0);
  expect(await e.ok(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`])).toBe('');
  expect((await e.docker(['volume', 'inspect', `${PROJECT}_state`])).code).not.toBe(0);
  expect((await composeOk(['ps'])).stdout).not.toMatch(/shop_/);
});

test('volumes_from shares the volumes of app read-only and network_mode "service:" its network; per-service settings pass through', async () => {
  const side = project('sidecar', 'side');
  try {
    await composeOk(['up', '-d'], {}, side);
    const app = await composeOk(['exec', '-T', 'app', 'sh', '-c', 'echo "$GREETING|$MODE|$(pwd)|$(hostname)"; grep registry.internal /etc/hosts; grep " /scratch " /proc/mounts | cut -d" " -f3'], {}, side);
    expect(app.stdout).toBe('hello from env_file|compose|/shared|apphost\n10.1.2.3\tregistry.internal\ntmpfs\n');
    // The sidecar reaches app's server on its own loopback (shared namespace); it polls, app may still be starting.
    const fetched = await composeOk(['exec', '-T', 'sidecar', 'sh', '-c',
      'for i in $(seq 1 100); do wget -q -O- http://127.0.0.1:8000/greeting && exit 0; sleep 0.1; done; exit 1'], {}, side);
    expect(fetched.stdout).toBe('hello from env_file (compose)\n');
    expect((await composeOk(['exec', '-T', 'sidecar', 'sh', '-c', 'id -u; cat /cache/entry'], {}, side)).stdout).toBe('1000\ncached\n');
    const write = await compose(['exec', '-T', 'sidecar', 'touch', '/shared/new'], {}, side);
    expect(write.code).not.toBe(0);
    expect(write.stdout + write.stderr).toContain('Read-only file system');
    const mounts = JSON.parse(await e.ok(['inspect', '-f', '{{json .Mounts}}', 'side_sidecar_1'])) as { Name?: string; Destination: string; RW: boolean }[];
    const byTarget = Object.fromEntries(mounts.map((m) => [m.Destination, m]));
    expect(byTarget['/shared']).toMatchObject({ Name: 'side_shared', RW: false });
    expect(byTarget['/cache']).toMatchObject({ Name: expect.stringMatching(/^[0-9a-f]{64}$/), RW: false });
  } finally {
    await composeOk(['down', '-v', '-t', '1'], {}, side);
  }
  expect(await e.ok(['ps', '-aq', '--filter', 'label=com.docker.compose.project=side'])).toBe('');
  expect(await e.ok(['volume', 'ls', '-q'])).toBe('');
});
