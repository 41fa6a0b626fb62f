/** A daemon restart keeps its state: containers, images, volumes, networks and logs. */
import { readFileSync } from 'node:fs';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

const snapshot = async () => ({
  ps: await e.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Labels}}']),
  images: await e.ok(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']),
  volumes: await e.ok(['volume', 'ls', '--format', '{{.Name}} {{.Driver}}']),
  networks: await e.ok(['network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.Driver}}']),
});

test('after a clean stop and after kill -9, ps -a, images, volume ls and network ls show the same', async () => {
  const exitedId = await e.ok(['run', '--name', 'kept', '-l', 'keep=yes', '-v', 'kept-vol:/v', BUSYBOX, 'sh', '-c', 'echo persisted; exit 6']).catch(() => e.ok(['inspect', '-f', '{{.Id}}', 'kept']));
  await e.ok(['create', '--name', 'kept-created', BUSYBOX, 'true']);
  await e.ok(['network', 'create', 'kept-net']);
  await e.ok(['tag', BUSYBOX, 'busybox:kept']);
  const before = await snapshot();
  expect(before.ps).toContain('kept');
  expect(before.networks).toContain('kept-net');

  await e.daemon.stop();
  await e.daemon.restart();
  expect(await snapshot()).toEqual(before);
  expect(await e.ok(['inspect', '-f', '{{.State.ExitCode}}', 'kept'])).toBe('6');
  expect(await e.ok(['logs', exitedId])).toBe('persisted');

  await e.daemon.kill9();
  await e.daemon.restart();
  expect(await snapshot()).toEqual(before);
  const r = await e.docker(['start', '-a', 'kept-created']);
  expect(r.code).toBe(0);
});

test('a clean stop unmounts every container root it mounted before it exits, and a restart mounts them again', async () => {
  const mountsUnder = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(`${dir}/`)).length;
  const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => e.ok(['create', '--name', `mounted-${i}`, BUSYBOX, 'cat', '/etc/hostname'])));
  expect(mountsUnder(e.daemon.home)).toBeGreaterThanOrEqual(40);
  await e.daemon.stop();
  expect(mountsUnder(e.daemon.home)).toBe(0);
  await e.daemon.restart();
  expect(await e.ok(['start', '-a', ids[39]!])).toBe(ids[39]!.slice(0, 12));
  await e.ok(['rm', ...ids]);
});
