/** Images, networks, volumes and prune through the real docker CLI. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/raw-http';
import { validateAgainstSpec, validateResponse } from '../support/spec-schema';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

test('tag, history, save, rmi and load round trip an image', async () => {
  await e.ok(['tag', BUSYBOX, 'mirror/bb:v1']);
  expect(await e.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'mirror/bb'])).toBe('mirror/bb:v1');
  expect(await e.ok(['history', '-q', 'mirror/bb:v1'])).toMatch(/^[0-9a-f]{12}|<missing>/);
  const archive = join(e.daemon.dir, 'saved.tar');
  await e.ok(['save', '-o', archive, 'mirror/bb:v1']);
  expect(statSync(archive).size).toBeGreaterThan(500_000);
  const untag = await e.ok(['rmi', 'mirror/bb:v1']);
  expect(untag).toContain('Untagged: mirror/bb:v1');
  const load = await e.ok(['load', '-i', archive]);
  expect(load).toContain('Loaded image: mirror/bb:v1');
  const r = await e.docker(['run', '--rm', 'mirror/bb:v1', 'echo', 'loaded']);
  expect(r).toMatchObject({ code: 0, stdout: 'loaded\n' });
});

test('an image used by a container cannot be removed without force', async () => {
  await e.ok(['tag', BUSYBOX, 'inuse:1']);
  const id = await e.ok(['create', 'inuse:1', 'true']);
  await e.ok(['rmi', 'inuse:1']); // only untags: busybox:latest still names the image
  await e.ok(['tag', BUSYBOX, 'inuse:1']);
  const imageId = await e.ok(['inspect', '-f', '{{.Image}}', id]);
  const refused = await e.docker(['rmi', imageId]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/conflict: unable to delete|must be forced|must force/);
  await e.ok(['rm', id]);
  await e.ok(['rmi', 'inuse:1']);
});

test('networks: create, inspect, connect, disconnect, ls filters, rm and prune', async () => {
  const netId = await e.ok(['network', 'create', '--subnet', '10.123.0.0/24', '--label', 'env=test', 'appnet']);
  expect(await e.ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'appnet'])).toBe('10.123.0.0/24');
  const c = await e.ok(['run', '-d', '--network', 'appnet', '--network-alias', 'db', '--name', 'netc', BUSYBOX, 'sleep', '60']);
  const ip = await e.ok(['inspect', '-f', '{{.NetworkSettings.Networks.appnet.IPAddress}}', c]);
  expect(ip).toMatch(/^10\.123\.0\.\d+$/);
  expect(await e.ok(['inspect', '-f', '{{json .NetworkSettings.Networks.appnet.Aliases}}', c])).toContain('db');
  await e.ok(['network', 'connect', 'bridge', c]);
  expect(await e.ok(['inspect', '-f', '{{len .NetworkSettings.Networks}}', c])).toBe('2');
  await e.ok(['network', 'disconnect', 'bridge', c]);
  expect(await e.ok(['network', 'ls', '-q', '--no-trunc', '--filter', 'label=env=test'])).toBe(netId);
  const busy = await e.docker(['network', 'rm', 'appnet']);
  expect(busy.code).toBe(1);
  expect(busy.stderr).toContain('has active endpoints');
  await e.ok(['rm', '-f', c]);
  await e.ok(['network', 'create', 'leftover']);
  expect(await e.ok(['network', 'prune', '-f'])).toContain('leftover');
  expect(await e.ok(['network', 'ls', '--format', '{{.Name}}'])).toBe(['bridge', 'host', 'none'].join('\n'));
  const predefined = await e.docker(['network', 'rm', 'bridge']);
  expect(predefined.stderr).toContain('bridge is a pre-defined network and cannot be removed');
});

test('rm -v removes anonymous volumes only; container and volume prune', async () => {
  const id = await e.ok(['create', '-v', '/anon', '-v', 'keepme:/named', BUSYBOX, 'true']);
  const anon = await e.ok(['inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}', id]);
  const anonPath = await e.ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', anon]);
  await e.ok(['rm', '-v', id]);
  expect(existsSync(anonPath)).toBe(false);
  expect(await e.ok(['volume', 'ls', '-q'])).toContain('keepme');
  const stopped = await e.ok(['create', '--label', 'prune=me', BUSYBOX, 'true']);
  const running = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  const pruned = await e.ok(['container', 'prune', '-f', '--filter', 'label=prune=me']);
  expect(pruned).toContain(stopped);
  expect(await e.ok(['ps', '-aq', '--no-trunc'])).toBe(running);
  await e.ok(['rm', '-f', running]);
  await e.ok(['volume', 'create', 'unused-anon-like']);
  expect(await e.ok(['volume', 'prune', '-af'])).toContain('keepme');
});

test('exec inspect and the event stream bodies follow the spec', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  const exec = await api(e.daemon.socket, 'POST', `/v1.50/containers/${id}/exec`, JSON.stringify({ Cmd: ['true'] }));
  expect(exec.status).toBe(201);
  const execId = exec.json().Id;
  const started = await api(e.daemon.socket, 'POST', `/v1.50/exec/${execId}/start`, JSON.stringify({ Detach: true }));
  expect(started.status).toBe(200);
  let inspected = await api(e.daemon.socket, 'GET', `/v1.50/exec/${execId}/json`);
  expect(validateResponse('/exec/{id}/json', 'get', 200, inspected.json())).toEqual([]);
  // A detached exec finishes on its own; poll (bounded) until it reports its end.
  for (let i = 0; i < 500 && inspected.json().Running; i++) inspected = await api(e.daemon.socket, 'GET', `/v1.50/exec/${execId}/json`);
  expect(inspected.json()).toMatchObject({ Running: false, ExitCode: 0 });
  expect(validateResponse('/exec/{id}/json', 'get', 200, inspected.json())).toEqual([]);
  const since = Math.floor(Date.now() / 1000) - 60;
  const until = Math.ceil(Date.now() / 1000) + 1;
  const events = await api(e.daemon.socket, 'GET', `/v1.50/events?since=${since}&until=${until}`);
  const lines = events.text.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThan(3);
  for (const ev of lines) expect(validateAgainstSpec('EventMessage', ev)).toEqual([]);
  await e.ok(['rm', '-f', id]);
});
