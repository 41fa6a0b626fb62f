import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecSpec } from '@sockerless/sdk';
import { BusyboxHelper } from '../src/busybox-helper';
import { finish, harness, mountedUnder, tarOf, waitFor, type Harness } from './helpers';

/** What the start path no longer does on every run (spawned mount, repeated lookups, waiting for exec) must not change what a container sees. */

let h: Harness;
beforeAll(async () => { h = await harness(); });
afterAll(async () => { await h.cleanup(); });

const execSpec = (over: Partial<ExecSpec>): ExecSpec =>
  ({ argv: ['true'], env: ['PATH=/bin'], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false, ...over });

describe('BusyboxHelper', () => {
  let helper: BusyboxHelper;
  beforeAll(() => { helper = new BusyboxHelper('/bin/busybox'); });
  afterAll(() => helper.close());

  const layout = (name: string) => {
    const base = join(h.dir, name);
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(base, d), { recursive: true });
    return { merged: join(base, 'merged'), options: `lowerdir=${h.rootfs},upperdir=${base}/upper,workdir=${base}/work` };
  };

  test('mounts an overlay with the image inside and unmounts it', async () => {
    const { merged, options } = layout('helper-ok');
    expect(await helper.mount(options, merged)).toBe(true);
    expect(mountedUnder(merged)).toEqual([merged]);
    expect(readFileSync(join(merged, 'etc/image-file'), 'utf8')).toBe('from the image\n');
    expect(await helper.umount(merged)).toBe(true);
    expect(mountedUnder(merged)).toEqual([]);
  });

  test('removes a tree, and refuses a path it cannot pass as one word', async () => {
    const tree = join(h.dir, 'tree-to-remove');
    mkdirSync(join(tree, 'a/b/c'), { recursive: true });
    const spaced = join(h.dir, 'tree with space');
    mkdirSync(spaced);
    expect(await helper.removeTree(tree)).toBe(true);
    expect(existsSync(tree)).toBe(false);
    expect(await helper.removeTree(spaced)).toBe(false);
    expect(existsSync(spaced)).toBe(true);
  });

  test('answers false, mounting nothing, for a failure, a word it cannot pass, and after close', async () => {
    const { merged, options } = layout('helper-no');
    expect(await helper.mount(options.replace(h.rootfs, '/no/such/dir'), merged)).toBe(false);
    expect(await helper.mount(`${options} x`, merged)).toBe(false);
    expect(await helper.mount(options, `${merged}/../merged with space`)).toBe(false);
    expect(await helper.umount(merged)).toBe(false); // not mounted
    // Requests in flight are answered in order even when several are queued at once.
    const answers = await Promise.all([helper.mount(options, merged), helper.umount(merged), helper.umount(merged)]);
    expect(answers).toEqual([true, true, false]);
    const closed = new BusyboxHelper('/bin/busybox');
    closed.close();
    expect(await closed.mount(options, merged)).toBe(false);
    expect(mountedUnder(merged)).toEqual([]);
  });
});

test('the pid start returns is the workload itself, and an exec right after start sees the finished sandbox', async () => {
  const spec = h.spec('fp1', { argv: ['sh', '-c', 'echo ready; sleep 1000 & wait'] });
  await h.driver.create(spec);
  const p = await h.driver.start(spec);
  // No wait for the workload's output: the exec is issued the moment start has returned.
  const cmdline = await finish(await h.driver.exec!('fp1', execSpec({ argv: ['cat', '/proc/1/cmdline'] })));
  expect(cmdline.out.split('\0').filter(Boolean)).toEqual(['sh', '-c', 'echo ready; sleep 1000 & wait']);
  await waitFor(p.stdout, 'ready');
  expect(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0]).toBe('sh');
  await h.driver.remove('fp1');
  expect((await p.exited).exitCode).toBe(137);
});

test('a program copied into a created container wins over what an earlier container of the image resolved', async () => {
  // The first container resolves `ls` to the image's /bin/ls, and that lookup is remembered for the image.
  // A non-root user, because then the sandbox execs exactly the resolved file (as root bwrap searches PATH).
  const first = h.spec('fp2', { argv: ['ls', '/etc/image-file'], user: 'app' });
  await h.driver.create(first);
  expect(await finish(await h.driver.start(first))).toMatchObject({ out: '/etc/image-file\n', exitCode: 0 });
  // The second gets an `ls` earlier on PATH by `docker cp` before its first start.
  const second = h.spec('fp3', { argv: ['ls', '/etc/image-file'], user: 'app' });
  await h.driver.create(second);
  await h.driver.putArchive!('fp3', '/usr/local/bin', tarOf([{ name: 'ls', body: '#!/bin/sh\necho copied-ls "$@"\n', mode: 0o755 }]), { noOverwriteDirNonDir: false });
  expect(await finish(await h.driver.start(second))).toMatchObject({ out: 'copied-ls /etc/image-file\n', exitCode: 0 });
  // A third, untouched, still runs the image's.
  const third = h.spec('fp4', { argv: ['ls', '/etc/image-file'], user: 'app' });
  await h.driver.create(third);
  expect(await finish(await h.driver.start(third))).toMatchObject({ out: '/etc/image-file\n', exitCode: 0 });
});

test('the files a start writes follow a changed spec, and remove leaves no mount and no state dir', async () => {
  const spec = h.spec('fp5', { argv: ['cat', '/etc/hostname'], hostname: 'before' });
  await h.driver.create(spec);
  expect((await finish(await h.driver.start(spec))).out).toBe('before\n');
  expect((await finish(await h.driver.start({ ...spec, hostname: 'after' }))).out).toBe('after\n');
  await h.driver.remove('fp5');
  expect(mountedUnder(spec.stateDir)).toEqual([]);
  expect(existsSync(spec.stateDir)).toBe(false);
  expect(readdirSync(join(h.dir, 'state', 'containers'))).not.toContain('fp5');
});
