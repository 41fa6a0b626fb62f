/** Files in and out of containers: docker cp (also before start), named volumes and bind mounts. */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
beforeAll(async () => { e = await startE2E(); });
afterAll(async () => { await e?.dispose(); });

test('cp into a created container before start, then the process sees it', async () => {
  const src = join(e.daemon.dir, 'greeting.txt');
  writeFileSync(src, 'copied before start\n');
  const id = await e.ok(['create', BUSYBOX, 'cat', '/tmp/greeting.txt']);
  await e.ok(['cp', src, `${id}:/tmp/`]);
  const r = await e.docker(['start', '-a', id]);
  expect(r).toMatchObject({ code: 0, stdout: 'copied before start\n' });
  await e.ok(['rm', id]);
});

test('cp out of a container: a file and a directory tree', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'mkdir -p /data/sub && echo one > /data/a.txt && echo two > /data/sub/b.txt && ln -s a.txt /data/link && sleep 60']);
  // The workload has made its files once /data/link, made last, exists: wait for it, do not race it.
  await e.ok(['exec', id, 'sh', '-c', 'until test -L /data/link; do sleep 0.05; done']);
  const out = join(e.daemon.dir, 'out');
  mkdirSync(out);
  await e.ok(['cp', `${id}:/data/a.txt`, join(out, 'a-copy.txt')]);
  expect(readFileSync(join(out, 'a-copy.txt'), 'utf8')).toBe('one\n');
  await e.ok(['cp', `${id}:/data`, out]);
  expect(readFileSync(join(out, 'data', 'sub', 'b.txt'), 'utf8')).toBe('two\n');
  expect(readFileSync(join(out, 'data', 'link'), 'utf8')).toBe('one\n');
  const missing = await e.docker(['cp', `${id}:/nope`, out]);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain('Could not find the file /nope in container');
  await e.ok(['rm', '-f', id]);
});

test('cp into a running container lands in its filesystem', async () => {
  const dir = join(e.daemon.dir, 'tree');
  mkdirSync(join(dir, 'inner'), { recursive: true });
  writeFileSync(join(dir, 'inner', 'x.txt'), 'x\n');
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  await e.ok(['cp', dir, `${id}:/tmp/`]);
  expect(await e.ok(['exec', id, 'cat', '/tmp/tree/inner/x.txt'])).toBe('x');
  // A destination that does not exist is created from the source, as Docker does.
  await e.ok(['cp', dir, `${id}:/opt`]);
  expect(await e.ok(['exec', id, 'cat', '/opt/inner/x.txt'])).toBe('x');
  await e.ok(['rm', '-f', id]);
});

test('a named volume is shared by two containers and outlives them', async () => {
  await e.ok(['run', '--rm', '-v', 'shared-data:/data', BUSYBOX, 'sh', '-c', 'echo from-first > /data/f']);
  const r = await e.docker(['run', '--rm', '-v', 'shared-data:/mnt/v', BUSYBOX, 'cat', '/mnt/v/f']);
  expect(r).toMatchObject({ code: 0, stdout: 'from-first\n' });
  expect(await e.ok(['volume', 'ls', '-q'])).toContain('shared-data');
  const mountpoint = await e.ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'shared-data']);
  expect(readFileSync(join(mountpoint, 'f'), 'utf8')).toBe('from-first\n');
  await e.ok(['volume', 'rm', 'shared-data']);
  expect(existsSync(mountpoint)).toBe(false);
});

test('a volume in use cannot be removed', async () => {
  const id = await e.ok(['create', '-v', 'busy-vol:/data', BUSYBOX, 'true']);
  const r = await e.docker(['volume', 'rm', 'busy-vol']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`remove busy-vol: volume is in use - [${id}]`);
  await e.ok(['rm', id]);
  await e.ok(['volume', 'rm', 'busy-vol']);
});

test('a bind mount shows host files and writes back, and :ro is read-only', async () => {
  const host = join(e.daemon.dir, 'bind');
  mkdirSync(host);
  writeFileSync(join(host, 'in.txt'), 'from host\n');
  const r = await e.docker(['run', '--rm', '-v', `${host}:/work`, BUSYBOX, 'sh', '-c', 'cat /work/in.txt; echo from container > /work/out.txt']);
  expect(r).toMatchObject({ code: 0, stdout: 'from host\n' });
  expect(readFileSync(join(host, 'out.txt'), 'utf8')).toBe('from container\n');
  const ro = await e.docker(['run', '--rm', '-v', `${host}:/work:ro`, BUSYBOX, 'sh', '-c', 'echo x > /work/denied']);
  expect(ro.code).not.toBe(0);
  expect(existsSync(join(host, 'denied'))).toBe(false);
});

test('containers do not see each other\'s writes outside volumes', async () => {
  await e.ok(['run', '--name', 'writer', BUSYBOX, 'sh', '-c', 'echo private > /etc/private']);
  const r = await e.docker(['run', '--rm', BUSYBOX, 'cat', '/etc/private']);
  expect(r.code).toBe(1);
  const id = await e.ok(['inspect', '-f', '{{.Id}}', 'writer']);
  const out = join(e.daemon.dir, 'private-copy');
  await e.ok(['cp', `${id}:/etc/private`, out]);
  expect(readFileSync(out, 'utf8')).toBe('private\n');
  await e.ok(['rm', 'writer']);
});
