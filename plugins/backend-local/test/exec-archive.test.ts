import { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import type { ExecSpec, WorkloadProcess } from '@sockerless/sdk';
import { collect, finish, harness, tarOf, waitFor, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => { h = await harness(); });
afterAll(async () => { await h.cleanup(); });

const execSpec = (over: Partial<ExecSpec>): ExecSpec =>
  ({ argv: ['true'], env: ['PATH=/bin'], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false, ...over });

/** `ready` once its `sleep` runs (exec'd, not only forked), so a `ps` or `top` right after sees it. */
async function startLong(id: string, over: Parameters<Harness['spec']>[1] = {}): Promise<WorkloadProcess> {
  const spec = h.spec(id, { argv: ['sh', '-c', 'echo container-file > /tmp/marker; sleep 1000 & until grep -q sleep /proc/$!/cmdline 2>/dev/null; do :; done; echo ready; wait'], ...over });
  await h.driver.create(spec);
  const p = await h.driver.start(spec);
  await waitFor(p.stdout, 'ready');
  return p;
}

async function untar(tar: Readable): Promise<Record<string, string>> {
  const ex = tarExtract();
  const out: Record<string, string> = {};
  const feeding = (async () => { for await (const c of tar) ex.write(c as Buffer); (ex as unknown as { end(): void }).end(); })();
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out[entry.header.name] = entry.header.type === 'directory' ? '<dir>' : Buffer.concat(chunks).toString();
  }
  await feeding;
  return out;
}

test('exec runs in the container: its files, pid namespace, env, dir, user and exit code', async () => {
  const p = await startLong('ex1');
  const e = await h.driver.exec!('ex1', execSpec({
    argv: ['sh', '-c', 'cat /tmp/marker; ps -o pid,comm | grep -c sleep; echo "$FOO"; pwd; id -un; hostname; exit 7'],
    env: ['PATH=/bin', 'FOO=exec-env'], workingDir: '/tmp', user: 'app',
  }));
  expect(await finish(e)).toEqual({ out: 'container-file\n1\nexec-env\n/tmp\napp\nex1\n', err: '', exitCode: 7, signal: undefined });
  const top = await h.driver.top!('ex1', '');
  expect(top.Titles).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  expect(top.Processes.map((r) => r[7]).sort()).toEqual(['sh -c echo container-file > /tmp/marker; sleep 1000 & until grep -q sleep /proc/$!/cmdline 2>/dev/null; do :; done; echo ready; wait', 'sleep 1000']);
  await h.driver.signal('ex1', 'KILL');
  await p.exited;
  await expect(h.driver.exec!('ex1', execSpec({}))).rejects.toMatchObject({ code: 'Conflict', message: 'Container ex1 is not running' });
});

test('exec has the container capabilities, not the daemon ones, and runs the image programs', async () => {
  await startLong('excap');
  const caps = async (user: string) => (await finish(await h.driver.exec!('excap', execSpec({ argv: ['grep', 'Cap', '/proc/self/status'], user }))))
    .out.split('\n').filter(Boolean);
  const pid1 = (await finish(await h.driver.exec!('excap', execSpec({ argv: ['grep', 'Cap', '/proc/1/status'] })))).out.split('\n').filter(Boolean);
  expect(await caps('')).toEqual(pid1);
  expect(pid1).toContain('CapEff:\t00000000a80425fb');
  // Docker's sets: a non-root exec has no capabilities, nothing inheritable, and Docker's 14 as bounding set.
  expect(await caps('app')).toEqual(['CapInh:\t0000000000000000', 'CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t00000000a80425fb', 'CapAmb:\t0000000000000000']);
  const tar = await finish(await h.driver.exec!('excap', execSpec({ argv: ['tar', 'x'], env: ['PATH=/usr/local/bin:/bin'] })));
  expect(tar.out).toBe('image-tar x\n');
  await h.driver.remove('excap');
});

test('exec with stdin, with a tty, and a missing executable', async () => {
  await startLong('ex2');
  const e = await h.driver.exec!('ex2', execSpec({ argv: ['cat'], attachStdin: true }));
  e.stdin!.end('piped\n');
  expect(await finish(e)).toMatchObject({ out: 'piped\n', exitCode: 0 });
  const t = await h.driver.exec!('ex2', execSpec({ argv: ['sh', '-c', '[ -t 1 ] && echo tty-yes; exit 2'], tty: true }));
  expect(t.stderr).toBeNull();
  const [out, st] = await Promise.all([collect(t.stdout), t.exited]);
  expect(out).toContain('tty-yes');
  expect(st.exitCode).toBe(2);
  await expect(h.driver.exec!('ex2', execSpec({ argv: ['nope'] }))).rejects.toMatchObject({ message: 'exec: "nope": executable file not found in $PATH' });
  await h.driver.remove('ex2');
});

test('putArchive before start is visible inside; getArchive of a dir; stat', async () => {
  const spec = h.spec('ar1', { argv: ['sh', '-c', 'cat /data/sub/hello.txt; ls -l /data/sub/link | grep -c hello'] });
  await h.driver.create(spec);
  await h.driver.putArchive!('ar1', '/data', tarOf([
    { name: 'sub', type: 'directory' }, { name: 'sub/hello.txt', body: 'hello archive\n' },
    { name: 'sub/link', type: 'symlink', linkname: 'hello.txt' },
  ]), { noOverwriteDirNonDir: false });
  expect(await finish(await h.driver.start(spec))).toMatchObject({ out: 'hello archive\n1\n', exitCode: 0 });
  const stat = await h.driver.statPath!('ar1', '/data/sub');
  expect(stat).toMatchObject({ name: 'sub', linkTarget: '' });
  expect(stat.mode & 2 ** 31).toBeTruthy();
  expect((await h.driver.statPath!('ar1', '/data/sub/link')).linkTarget).toBe('hello.txt');
  const { tar } = await h.driver.getArchive!('ar1', '/data/sub');
  expect(await untar(tar)).toEqual({ 'sub': '<dir>', 'sub/hello.txt': 'hello archive\n', 'sub/link': '' });
});

test('archive errors: missing path, not a directory, escapes refused', async () => {
  const spec = h.spec('ar2', { argv: ['true'] });
  await h.driver.create(spec);
  await expect(h.driver.statPath!('ar2', '/nope')).rejects.toMatchObject({ code: 'NotFound', message: 'Could not find the file /nope in container c-ar2' });
  await expect(h.driver.putArchive!('ar2', '/nope', tarOf([{ name: 'a', body: 'a' }]), { noOverwriteDirNonDir: false })).rejects.toMatchObject({ code: 'NotFound' });
  await expect(h.driver.putArchive!('ar2', '/etc/passwd', tarOf([{ name: 'a', body: 'a' }]), { noOverwriteDirNonDir: false }))
    .rejects.toMatchObject({ code: 'InvalidArgument', message: 'extraction point is not a directory' });
  await expect(h.driver.putArchive!('ar2', '/tmp', tarOf([{ name: '../../../../escaped', body: 'x' }]), { noOverwriteDirNonDir: false }))
    .rejects.toMatchObject({ code: 'InvalidArgument' });
  // A link planted inside points at the host's root; following it must stay in the container.
  await h.driver.putArchive!('ar2', '/tmp', tarOf([{ name: 'up', type: 'symlink', linkname: '/../../../../..' }]), { noOverwriteDirNonDir: false });
  await h.driver.putArchive!('ar2', '/tmp/up/tmp', tarOf([{ name: 'via-link', body: 'inside\n' }]), { noOverwriteDirNonDir: false });
  const { existsSync } = await import('node:fs');
  expect(existsSync('/tmp/via-link')).toBe(false);
  expect(await untar((await h.driver.getArchive!('ar2', '/tmp/via-link')).tar)).toEqual({ 'via-link': 'inside\n' });
  const hostname = (await untar((await h.driver.getArchive!('ar2', '/../../etc/hostname')).tar)).hostname;
  expect(hostname).toBe('ar2\n');
});

test('archive paths inside a bind mount reach its source', async () => {
  const { mkdirSync, readFileSync } = await import('node:fs');
  const src = `${h.dir}/vol-ar3`;
  mkdirSync(src);
  const spec = h.spec('ar3', { argv: ['true'], mounts: [{ type: 'volume', source: src, target: '/vol', readOnly: false }] });
  await h.driver.create(spec);
  await h.driver.putArchive!('ar3', '/vol', tarOf([{ name: 'f', body: 'to volume' }]), { noOverwriteDirNonDir: false });
  expect(readFileSync(`${src}/f`, 'utf8')).toBe('to volume');
});

describe('host mode', () => {
  let hh: Harness;
  beforeAll(async () => { hh = await harness({ sandbox: 'none' }, h.rootfs); });
  afterAll(async () => { await hh.cleanup(); });

  test('runs on the host and warns', async () => {
    const spec = hh.spec('host1', { env: ['PATH=/usr/bin:/bin', 'X=1'], workingDir: hh.dir, argv: ['sh', '-c', 'echo $X; pwd; exit 4'] });
    await hh.driver.create(spec);
    expect(hh.warnings.some((w) => w.includes('WITHOUT'))).toBe(true);
    expect(await finish(await hh.driver.start(spec))).toEqual({ out: `1\n${hh.dir}\n`, err: '', exitCode: 4, signal: undefined });
  });

  test('signals, exec and missing executables', async () => {
    const spec = hh.spec('host2', { env: ['PATH=/usr/bin:/bin'], argv: ['sh', '-c', 'trap "exit 9" USR1; echo ready; sleep 1000 & wait'] });
    await hh.driver.create(spec);
    const p = await hh.driver.start(spec);
    await waitFor(p.stdout, 'ready');
    expect(await finish(await hh.driver.exec!('host2', execSpec({ argv: ['sh', '-c', 'echo exec; exit 3'] })))).toMatchObject({ out: 'exec\n', exitCode: 3 });
    await hh.driver.signal('host2', 'USR1');
    expect((await p.exited).exitCode).toBe(9);
    const bad = hh.spec('host3', { argv: ['definitely-not-a-command'] });
    await hh.driver.create(bad);
    await expect(hh.driver.start(bad)).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});
