import { finish, harness, mountedUnder, waitFor, collect, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => { h = await harness(); });
afterAll(async () => {
  const dir = h.dir;
  await h.cleanup();
  expect(mountedUnder(dir)).toEqual([]);
});

async function run(id: string, over: Parameters<Harness['spec']>[1]) {
  const spec = h.spec(id, over);
  await h.driver.create(spec);
  return finish(await h.driver.start(spec));
}

test('stdout, stderr and the exit code', async () => {
  const r = await run('out1', { argv: ['sh', '-c', 'echo hi; echo err >&2; exit 3'] });
  expect(r).toEqual({ out: 'hi\n', err: 'err\n', exitCode: 3, signal: undefined });
});

test('runs in its own pid, uts namespaces on the overlay root', async () => {
  const r = await run('ns1', { hostname: 'myhost', argv: ['sh', '-c', 'echo $$; hostname; cat /etc/hostname; cat /etc/image-file; grep myhost /etc/hosts | wc -l; echo x > /etc/image-file; grep CapEff /proc/1/status'] });
  // Docker's default capability set, not the daemon's full root.
  expect(r.out).toBe('1\nmyhost\nmyhost\nfrom the image\n1\nCapEff:\t00000000a80425fb\n');
  expect(r.exitCode).toBe(0);
  // The write landed in the container's own layer, not in the image.
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(`${h.rootfs}/etc/image-file`, 'utf8')).toBe('from the image\n');
  expect(await h.driver.diskUsage('ns1')).toBeGreaterThan(0);
});

test('env, working dir (created when missing) and the default user', async () => {
  const r = await run('env1', { env: ['PATH=/bin', 'FOO=bar baz'], workingDir: '/work/dir', argv: ['sh', '-c', 'echo "$FOO"; pwd; id -u; echo $HOME'] });
  expect(r.out).toBe('bar baz\n/work/dir\n0\n/root\n');
});

test('user by name and by uid:gid; file permissions hold', async () => {
  const byName = await run('user1', { user: 'app', argv: ['sh', '-c', 'id -u; id -un; id -g; echo $HOME; touch /tmp/ok && echo tmp-ok; touch /etc/nope 2>/dev/null || echo etc-denied'] });
  expect(byName.out).toBe('1000\napp\n1000\n/home/app\ntmp-ok\netc-denied\n');
  const byId = await run('user2', { user: '4321:55', argv: ['sh', '-c', 'id -u; id -g'] });
  expect(byId.out).toBe('4321\n55\n');
});

test('a non-root user gets the image programs, argv[0] and env exactly as given', async () => {
  const env = ['PATH=/usr/local/bin:/bin', 'A=1'];
  expect((await run('user3', { user: 'app', env, argv: ['tar', '--version'] })).out).toBe('image-tar --version\n');
  expect((await run('user4', { user: 'app', env, argv: ['sh', '-c', 'echo $0'] })).out).toBe('sh\n');
  const printed = (await run('user5', { user: 'app', env, argv: ['env'] })).out.split('\n').filter(Boolean).sort();
  expect(printed).toEqual(['A=1', 'HOME=/home/app', 'HOSTNAME=user5', 'PATH=/usr/local/bin:/bin']);
});

test('unknown user name and missing executable are errors from start', async () => {
  const spec = h.spec('err1', { user: 'nobody-here', argv: ['true'] });
  await h.driver.create(spec);
  await expect(h.driver.start(spec)).rejects.toMatchObject({ code: 'InvalidArgument', message: 'unable to find user nobody-here: no matching entries in passwd file' });
  const spec2 = h.spec('err2', { argv: ['no-such-binary', 'x'] });
  await h.driver.create(spec2);
  await expect(h.driver.start(spec2)).rejects.toMatchObject({ code: 'InvalidArgument', message: 'exec: "no-such-binary": executable file not found in $PATH' });
});

test('stdin is piped to the workload', async () => {
  const spec = h.spec('stdin1', { openStdin: true, argv: ['cat'] });
  await h.driver.create(spec);
  const p = await h.driver.start(spec);
  p.stdin!.end('hello through stdin\n');
  expect(await finish(p)).toMatchObject({ out: 'hello through stdin\n', exitCode: 0 });
});

test('tty mode: a terminal, resize, EOF on stdin end', async () => {
  const spec = h.spec('tty1', { tty: true, openStdin: true, argv: ['sh', '-c', '[ -t 0 ] && echo is-a-tty; read line; echo "got $line"; stty size; cat; echo after-eof'] });
  await h.driver.create(spec);
  const p = await h.driver.start(spec);
  expect(p.stderr).toBeNull();
  const sink = { data: '' };
  await waitFor(p.stdout, 'is-a-tty', sink);
  p.resize!(40, 100);
  p.stdin!.write('abc\n');
  await waitFor(p.stdout, '40 100', sink);
  p.stdin!.end();
  const rest = collect(p.stdout);
  const st = await p.exited;
  const out = sink.data + (await rest);
  expect(out).toContain('got abc');
  expect(out).toContain('after-eof');
  expect(st.exitCode).toBe(0);
});

test('a trapped signal reaches pid 1; restart reuses the writable layer', async () => {
  const spec = h.spec('sig1', { argv: ['sh', '-c', 'trap "echo got; exit 5" USR1; echo layer >> /tmp/count; echo ready; sleep 1000 & wait'] });
  await h.driver.create(spec);
  for (const round of [1, 2]) {
    const p = await h.driver.start(spec);
    const sink = { data: '' };
    await waitFor(p.stdout, 'ready', sink);
    await h.driver.signal('sig1', 'USR1');
    const rest = await collect(p.stdout);
    expect(sink.data + rest).toContain('got');
    expect((await p.exited).exitCode).toBe(5);
    expect(round).toBeGreaterThan(0);
  }
  const r = await h.driver.statPath('sig1', '/tmp/count');
  expect(r.size).toBe('layer\nlayer\n'.length);
  await expect(h.driver.signal('sig1', 'TERM')).rejects.toMatchObject({ code: 'NotFound' });
});

test('TERM ignored by pid 1, KILL takes the whole sandbox down', async () => {
  const spec = h.spec('kill1', { argv: ['sh', '-c', 'trap "" TERM; sleep 1000 & echo ready; wait; echo woke'] });
  await h.driver.create(spec);
  const p = await h.driver.start(spec);
  const sink = { data: '' };
  await waitFor(p.stdout, 'ready', sink);
  const before = (await h.driver.top('kill1', '')).Processes.length;
  expect(before).toBe(2);
  await h.driver.signal('kill1', 'SIGTERM');
  expect((await h.driver.list()).find((w) => w.id === 'kill1')).toMatchObject({ id: 'kill1', running: true });
  await h.driver.signal('kill1', '9');
  const st = await p.exited;
  expect(st).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
  expect(sink.data + (await collect(p.stdout))).not.toContain('woke');
  expect((await h.driver.list()).find((w) => w.id === 'kill1')).toMatchObject({ id: 'kill1', running: false });
});

test('remove kills a running container, unmounts and is idempotent', async () => {
  const spec = h.spec('rm1', { argv: ['sleep', '1000'] });
  await h.driver.create(spec);
  const p = await h.driver.start(spec);
  await h.driver.remove('rm1');
  expect((await p.exited).exitCode).toBe(137);
  expect(mountedUnder(spec.stateDir)).toEqual([]);
  await h.driver.remove('rm1');
  expect((await h.driver.list()).map((w) => w.id)).not.toContain('rm1');
});

test('bind mounts, read-only mounts and tmpfs', async () => {
  const { mkdirSync, writeFileSync, readFileSync } = await import('node:fs');
  const src = `${h.dir}/vol`;
  mkdirSync(src);
  writeFileSync(`${src}/in.txt`, 'from host\n');
  writeFileSync(`${h.dir}/single`, 'one file\n');
  const r = await run('mnt1', {
    mounts: [
      { type: 'bind', source: src, target: '/mnt/data', readOnly: false },
      { type: 'bind', source: `${h.dir}/single`, target: '/etc/single.conf', readOnly: true },
      { type: 'tmpfs', source: '', target: '/scratch', readOnly: false },
    ],
    argv: ['sh', '-c', 'cat /mnt/data/in.txt; echo out > /mnt/data/out.txt; cat /etc/single.conf; echo x > /etc/single.conf 2>/dev/null || echo ro; grep -c " /scratch tmpfs" /proc/mounts'],
  });
  expect(r.out).toBe('from host\none file\nro\n1\n');
  expect(readFileSync(`${src}/out.txt`, 'utf8')).toBe('out\n');
});

test('a new driver instance (daemon restart) finds, remounts, signals and removes a running container', async () => {
  const { LocalDriver } = await import('../src/driver');
  const { silentLogger } = await import('./helpers');
  // `ready` once the second process is there, so top sees both.
  const spec = h.spec('restart1', { argv: ['sh', '-c', 'sleep 1000 & until grep -q sleep /proc/$!/cmdline 2>/dev/null; do :; done; echo ready; wait'] });
  await h.driver.create(spec);
  const p = await h.driver.start(spec);
  await waitFor(p.stdout, 'ready');
  const second = new LocalDriver({ instanceName: 'local', options: { sandbox: 'auto' }, stateDir: `${h.dir}/state`, logger: silentLogger() });
  const listed = (await second.list()).find((w) => w.id === 'restart1');
  expect(listed).toMatchObject({ id: 'restart1', running: true });
  // A daemon whose store lost the record can rebuild it from the spec.json this instance never loaded.
  expect(await listed!.readIdentity!()).toMatchObject({ name: expect.any(String), image: expect.any(String), argv: expect.any(Array) });
  expect((await second.top('restart1', '')).Processes.length).toBe(2);
  await second.signal('restart1', 'KILL');
  expect((await p.exited).exitCode).toBe(137);
  // After a reboot-like loss of the mount, archive access mounts the overlay again over the same layer.
  const { execFileSync } = await import('node:child_process');
  execFileSync('umount', [`${spec.stateDir}/merged`]);
  expect((await second.statPath('restart1', '/etc/hostname')).size).toBe('restart1\n'.length);
  await second.remove('restart1');
  expect(mountedUnder(spec.stateDir)).toEqual([]);
  expect((await h.driver.list()).map((w) => w.id)).not.toContain('restart1');
});

test('a missing bind source is an error from start', async () => {
  const spec = h.spec('badmnt', { mounts: [{ type: 'bind', source: `${h.dir}/does-not-exist`, target: '/x', readOnly: false }] });
  await h.driver.create(spec);
  await expect(h.driver.start(spec)).rejects.toMatchObject({ code: 'InvalidArgument' });
});

test('without overlay (mount refused) the image root is copied, and said so', async () => {
  const { mkdirSync, writeFileSync, readFileSync, existsSync } = await import('node:fs');
  const { LocalDriver } = await import('../src/driver');
  const { detectHostTools } = await import('../src/host-tools');
  const { silentLogger } = await import('./helpers');
  const fake = `${h.dir}/fakebin`;
  mkdirSync(fake);
  writeFileSync(`${fake}/mount`, '#!/bin/sh\necho "mount: permission denied" >&2; exit 32\n', { mode: 0o755 });
  const warnings: string[] = [];
  const driver = new LocalDriver({ instanceName: 'local', options: { sandbox: 'auto' }, stateDir: `${h.dir}/state-copy`, logger: silentLogger(warnings) },
    { ...detectHostTools(), mount: `${fake}/mount`, busyboxHelper: undefined });
  const spec = { ...h.spec('copy1', { argv: ['sh', '-c', 'cat /etc/image-file; echo changed > /etc/image-file'] }), stateDir: `${h.dir}/state-copy/c1` };
  await driver.create(spec);
  expect(warnings.some((w) => w.includes('overlay mount failed') && w.includes('permission denied'))).toBe(true);
  expect(existsSync(`${spec.stateDir}/rootfs/bin/busybox`)).toBe(true);
  expect(await finish(await driver.start(spec))).toMatchObject({ out: 'from the image\n', exitCode: 0 });
  expect(readFileSync(`${h.rootfs}/etc/image-file`, 'utf8')).toBe('from the image\n');
  expect(readFileSync(`${spec.stateDir}/rootfs/etc/image-file`, 'utf8')).toBe('changed\n');
  expect(await driver.diskUsage('copy1')).toBeGreaterThan(1_000_000);
  await driver.remove('copy1');
  expect(existsSync(spec.stateDir)).toBe(false);
});
