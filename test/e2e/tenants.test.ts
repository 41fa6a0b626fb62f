/**
 * Two tenants on one daemon, through the real docker CLI (token in config.json's HttpHeaders) and dockerode
 * (token in the modem's headers): each lands in its own pool, sees only its own containers, and cannot touch
 * the other's by id, prefix or name; the operator sees all; the management API and rate limit hold.
 */
import Docker from 'dockerode';
import type { CliResult } from '../support/docker-cli';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { cliWithToken, type TenantCli } from '../support/tenant-cli';

const POOL = 'com.sockerless.pool';
const CONFIG = `export default {
  plugins: ['store-sqlite', 'backend-local', 'tenants'],
  backends: { local: { driver: 'local' } },
  tenants: {
    operatorTokens: ['op-token'],
    tenants: {
      red: { tokens: ['red-token'], pools: ['red'] },
      blue: { tokens: ['blue-token'], pools: ['blue'], createsPerMinute: 3 },
    },
  },
};
`;

let e: E2E;
let blue: Docker;
const started = Math.floor(Date.now() / 1000) - 1;
const ids: Record<string, string> = {};

let red: TenantCli;
let blueCli: TenantCli;

const psAll = (ok: (args: string[]) => Promise<string>) => ok(['ps', '-a', '-q', '--no-trunc']).then((s) => s.split('\n').filter(Boolean).sort());
const notFound = (r: CliResult) => ({ code: r.code, said: /No such container/.test(r.stderr) });

beforeAll(async () => {
  e = await startE2E({ config: CONFIG });
  red = cliWithToken(e, 'red', 'red-token');
  blueCli = cliWithToken(e, 'blue', 'blue-token');
  blue = new Docker({ socketPath: e.daemon.socket, headers: { Authorization: 'Bearer blue-token' } });
  ids.redBox = await red.ok(['run', '-d', '--name', 'red-box', BUSYBOX, 'sleep', '300']);
  // Blue's three creates, back to back: exactly its createsPerMinute, so the next one in the first test is the 4th.
  const box = await blue.createContainer({ name: 'blue-box', Image: BUSYBOX, Cmd: ['sleep', '300'] });
  await box.start();
  const done = await blue.createContainer({ name: 'blue-done', Image: BUSYBOX, Cmd: ['echo', 'blue-secret'] });
  await done.start();
  const idle = await blue.createContainer({ name: 'blue-idle', Image: BUSYBOX, Cmd: ['true'] });
  Object.assign(ids, { blueBox: box.id, blueDone: done.id, blueIdle: idle.id });
  expect(await done.wait()).toEqual({ StatusCode: 0 });
});

afterAll(async () => {
  if (e && Object.keys(ids).length) await e.docker(['rm', '-f', ...Object.values(ids)]);
  await e?.dispose();
});

test("blue's 4th quick create is a 429 with Retry-After, and blue is still limited through dockerode", async () => {
  const body = JSON.stringify({ Image: BUSYBOX, Cmd: ['true'] });
  const res = await api(e.daemon.socket, 'POST', '/v1.50/containers/create', body, { Authorization: 'Bearer blue-token' });
  expect(res.status).toBe(429);
  expect(res.json()).toEqual({ message: 'tenant blue exceeded its create rate limit of 3 per minute' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(20);
  await expect(blue.createContainer({ Image: BUSYBOX, Cmd: ['true'] })).rejects.toMatchObject({ statusCode: 429 });
  // Red has no limit and its own budget either way.
  const redRun = await red.ok(['create', BUSYBOX, 'true']);
  await red.ok(['rm', redRun]);
});

test("each tenant's containers land in its own pool, and each lists only its own", async () => {
  expect(await red.ok(['inspect', '-f', `{{index .Config.Labels "${POOL}"}}`, 'red-box'])).toBe('red');
  expect((await blue.getContainer('blue-box').inspect()).Config.Labels[POOL]).toBe('blue');
  expect(await psAll(red.ok)).toEqual([ids.redBox]);
  expect(await psAll(blueCli.ok)).toEqual([ids.blueBox, ids.blueDone, ids.blueIdle].sort());
  expect((await blue.listContainers({ all: true })).map((c) => c.Id).sort()).toEqual([ids.blueBox, ids.blueDone, ids.blueIdle].sort());
  // No token: the operator, as the owner of the unix socket, sees both.
  expect(await psAll(e.ok)).toEqual(Object.values(ids).sort());
});

test("the other tenant's containers do not exist for red: by name, id and prefix, for every verb", async () => {
  const attempts: Array<[string, string[]]> = [];
  for (const ref of ['blue-box', ids.blueBox, ids.blueBox.slice(0, 12)]) {
    attempts.push(
      ['inspect', ['container', 'inspect', ref]], ['logs', ['logs', ref]], ['exec', ['exec', ref, 'true']], ['kill', ['kill', ref]],
      ['stop', ['stop', '-t', '0', ref]], ['wait', ['wait', ref]], ['rm', ['rm', ref]], ['top', ['top', ref]],
      ['restart', ['restart', '-t', '0', ref]], ['rename', ['rename', ref, 'stolen']], ['cp', ['cp', `${ref}:/etc/hostname`, '-']],
    );
  }
  attempts.push(['logs of an exited one', ['logs', 'blue-done']]);
  for (const [verb, args] of attempts) {
    const r = await red.run(args);
    expect({ verb, args, ...notFound(r) }).toEqual({ verb, args, code: 1, said: true });
    expect(r.stdout + r.stderr).not.toContain('blue-secret');
  }
  // rm -f answers success for a container that does not exist (Docker's CLI ignores its 404), and removes nothing.
  expect((await red.run(['rm', '-f', 'blue-box', ids.blueBox])).code).toBe(0);
  // Prune as red passes over blue's stopped containers.
  await red.ok(['container', 'prune', '-f']);
  // Nothing was touched: blue-box still runs under its name, and the stopped ones are all there.
  expect(await e.ok(['inspect', '-f', '{{.State.Running}} {{.Name}}', ids.blueBox])).toBe('true /blue-box');
  expect(await psAll(e.ok)).toEqual(Object.values(ids).sort());
});

test("the other tenant's containers and execs do not exist for blue through dockerode", async () => {
  const theirs = blue.getContainer(ids.redBox);
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['inspect', () => theirs.inspect()], ['logs', () => theirs.logs({ stdout: true, stderr: true })],
    ['exec', () => theirs.exec({ Cmd: ['true'] })], ['kill', () => theirs.kill()], ['stop', () => theirs.stop({ t: 0 })],
    ['remove', () => theirs.remove({ force: true })], ['wait', () => theirs.wait()], ['by name', () => blue.getContainer('red-box').inspect()],
  ];
  for (const [verb, call] of calls) {
    const err = await call().then(() => undefined, (x: { statusCode?: number; message?: string }) => x);
    expect({ verb, status: err?.statusCode, said: /No such container/.test(String(err?.message)) }).toEqual({ verb, status: 404, said: true });
  }
  // An exec id red made is no handle for blue either.
  const redExec = await api(e.daemon.socket, 'POST', `/containers/${ids.redBox}/exec`, JSON.stringify({ Cmd: ['true'] }), { Authorization: 'Bearer red-token' });
  expect(redExec.status).toBe(201);
  const execId = redExec.json().Id as string;
  for (const [method, path, body] of [['GET', `/exec/${execId}/json`, undefined], ['POST', `/exec/${execId}/start`, '{"Detach":true}']] as const) {
    expect((await api(e.daemon.socket, method, path, body, { Authorization: 'Bearer blue-token' })).status).toBe(404);
  }
  expect((await api(e.daemon.socket, 'GET', `/exec/${execId}/json`, undefined, { Authorization: 'Bearer red-token' })).status).toBe(200);
  expect(await e.ok(['inspect', '-f', '{{.State.Running}}', ids.redBox])).toBe('true');
});

test("the events stream shows a tenant only its own containers", async () => {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const args = ['events', '--since', String(started), '--until', String(until), '--filter', 'type=container', '--format', '{{.Actor.ID}}'];
  const redIds = new Set((await red.ok(args)).split('\n').filter(Boolean));
  expect(redIds.has(ids.redBox)).toBe(true);
  for (const id of [ids.blueBox, ids.blueDone, ids.blueIdle]) expect(redIds.has(id)).toBe(false);
  const all = new Set((await e.ok(args)).split('\n'));
  expect(all.has(ids.blueBox) && all.has(ids.redBox)).toBe(true);
});

test("a tenant cannot create in another tenant's pool, and cannot tell it from a missing one", async () => {
  for (const pool of ['blue', 'no-such']) {
    // The CLI reads any 404 from create as a missing image and tries to pull it; --pull never shows our answer.
    const r = await red.run(['create', '--pull', 'never', '--label', `${POOL}=${pool}`, BUSYBOX, 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`no such pool: ${pool}`);
    const body = JSON.stringify({ Image: BUSYBOX, Labels: { [POOL]: pool } });
    const res = await api(e.daemon.socket, 'POST', '/v1.50/containers/create', body, { Authorization: 'Bearer red-token' });
    expect({ status: res.status, body: res.json() }).toEqual({ status: 404, body: { message: `no such pool: ${pool}` } });
  }
  const own = await red.ok(['create', '--label', `${POOL}=red`, BUSYBOX, 'true']);
  await red.ok(['rm', own]);
  expect(await psAll(red.ok)).toEqual([ids.redBox]);
});

test('an unknown token is a 401 with a message, for the CLI and the raw API', async () => {
  const stranger = cliWithToken(e, 'stranger', 'not-a-token');
  const r = await stranger.run(['ps']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('unknown API token');
  const res = await api(e.daemon.socket, 'GET', '/v1.50/containers/json', undefined, { Authorization: 'Bearer not-a-token' });
  expect({ status: res.status, body: res.json() }).toEqual({ status: 401, body: { message: 'unknown API token' } });
});

test('tenants may not use the management API, however they spell it; the operator may', async () => {
  for (const path of ['/internal/pools', '/v1.50/internal/pools', '/INTERNAL/pools', '/metrics']) {
    const res = await api(e.daemon.socket, 'GET', path, undefined, { Authorization: 'Bearer red-token' });
    expect({ path, status: res.status, body: res.json() }).toEqual({ path, status: 403, body: { message: 'tenant red may not use the management API' } });
  }
  // Without the pools plugin nothing serves /internal/pools: the operator gets the core's 501, not a refusal.
  expect((await api(e.daemon.socket, 'GET', '/internal/pools', undefined, { Authorization: 'Bearer op-token' })).status).toBe(501);
  expect((await api(e.daemon.socket, 'GET', '/metrics', undefined, { Authorization: 'Bearer op-token' })).status).toBe(200);
  // The rest of the Docker API stays open to tenants.
  for (const args of [['version'], ['info'], ['images', '-q'], ['network', 'ls'], ['volume', 'ls']]) await red.ok(args);
});

test('a tenant cannot bind-mount host paths, and network inspect and info show only its own containers', async () => {
  const bind = await red.run(['run', '--rm', '-v', `${e.daemon.dir}:/h`, BUSYBOX, 'ls', '/h']);
  expect(bind.code).toBe(125);
  expect(bind.stderr).toContain(`tenant red may not bind-mount host paths (${e.daemon.dir}); use a volume`);
  const attached = (ok: (args: string[]) => Promise<string>, network = 'bridge') =>
    ok(['network', 'inspect', network, '--format', '{{range $id, $c := .Containers}}{{$c.Name}} {{end}}']).then((s) => s.split(' ').filter(Boolean).sort());
  expect(await attached(red.ok)).toEqual(['red-box']);
  expect(await attached(blueCli.ok)).toEqual(['blue-box']);
  // Each tenant's default bridge is a network of its own (see docs/pools.md): the operator's `bridge` has
  // neither, and the operator finds each tenant's by its id.
  expect(await attached(e.ok)).toEqual([]);
  const redBridge = await red.ok(['network', 'inspect', '-f', '{{.Id}}', 'bridge']);
  expect(await attached(e.ok, redBridge)).toEqual(['red-box']);
  expect(await red.ok(['info', '--format', '{{.Containers}} {{.ContainersRunning}}'])).toBe('1 1');
});
