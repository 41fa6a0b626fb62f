/**
 * backend-local's `usernsRemap` option (dockerd's --userns-remap, issue 19): with the docker CLI against a
 * daemon configured with a remapping, container root is host uid BASE, the image is seen through a shifted
 * copy, volumes are written as BASE, `--userns=host` opts out and --privileged is refused as dockerd does.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { BUSYBOX, startE2E, type E2E } from '../support/e2e';

const BASE = 231072;
const SIZE = 65536;

let e: E2E;

beforeAll(async () => {
  e = await startE2E({
    config: `export default {
  plugins: ['store-sqlite', 'backend-local'],
  backends: { local: { driver: 'local', options: { usernsRemap: { uid: ${BASE}, gid: ${BASE}, size: ${SIZE} } } } },
};
`,
  });
}, 120_000);

afterAll(async () => { await e?.dispose(); }, 60_000);

const mapLine = (text: string) => text.trim().split(/\s+/).join(' ');
const hostUid = (pid: number) => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

test('container root is root of a user namespace mapped to BASE', async () => {
  expect(mapLine(await e.ok(['run', '--rm', BUSYBOX, 'cat', '/proc/self/uid_map']))).toBe(`0 ${BASE} ${SIZE}`);
  expect(mapLine(await e.ok(['run', '--rm', BUSYBOX, 'cat', '/proc/self/gid_map']))).toBe(`0 ${BASE} ${SIZE}`);
  expect(await e.ok(['run', '--rm', BUSYBOX, 'id'])).toMatch(/^uid=0\(root\) gid=0\(root\)/);
}, 60_000);

test('the workload runs as BASE on the host, and an exec joins its namespace', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '1000']);
  try {
    const pid = Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', id]));
    expect(hostUid(pid)).toBe(String(BASE));
    expect(mapLine(await e.ok(['exec', id, 'cat', '/proc/self/uid_map']))).toBe(`0 ${BASE} ${SIZE}`);
    expect(await e.ok(['exec', id, 'id', '-u'])).toBe('0');
  } finally {
    await e.docker(['rm', '-f', id]);
  }
}, 60_000);

test('root inside owns the image files (a shifted copy) and can change them', async () => {
  expect(await e.ok(['run', '--rm', BUSYBOX, 'sh', '-c', 'echo x:x:5:5::/:/bin/sh >> /etc/passwd && stat -c %u /etc/passwd /bin && tail -1 /etc/passwd'])).toBe('0\n0\nx:x:5:5::/:/bin/sh');
}, 60_000);

test('a file written into a named volume is owned by BASE on the host', async () => {
  await e.ok(['volume', 'create', 'remapped']);
  await e.ok(['run', '--rm', '-v', 'remapped:/data', BUSYBOX, 'sh', '-c', 'echo hi > /data/f']);
  const dir = await e.ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'remapped']);
  expect(statSync(`${dir}/f`).uid).toBe(BASE);
  expect(statSync(`${dir}/f`).gid).toBe(BASE);
}, 60_000);

test('--userns=host runs with the host ids', async () => {
  expect(mapLine(await e.ok(['run', '--rm', '--userns=host', BUSYBOX, 'cat', '/proc/self/uid_map']))).toBe('0 0 4294967295');
  const id = await e.ok(['run', '-d', '--userns=host', BUSYBOX, 'sleep', '1000']);
  try {
    expect(hostUid(Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', id])))).toBe('0');
  } finally {
    await e.docker(['rm', '-f', id]);
  }
}, 60_000);

test('--privileged and --pid host need --userns=host, with dockerd\'s answers', async () => {
  const privileged = await e.docker(['run', '--rm', '--privileged', BUSYBOX, 'true']);
  expect(privileged.code).toBe(125);
  expect(privileged.stderr).toContain('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode');
  const pidHost = await e.docker(['run', '--rm', '--pid', 'host', BUSYBOX, 'true']);
  expect(pidHost.stderr).toContain('cannot share the host PID namespace when user namespaces are enabled');
  expect(await e.ok(['run', '--rm', '--privileged', '--userns=host', BUSYBOX, 'cat', '/proc/self/uid_map'])).toMatch(/^\s*0\s+0\s+4294967295/);
}, 60_000);

test('root inside can bind a port below 1024 and open ICMP sockets, as in dockerd 20.10', async () => {
  // nc listening on 80 is killed by timeout (137); a refused bind would exit 1 at once.
  const out = await e.ok(['run', '--rm', BUSYBOX, 'sh', '-c', 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start; timeout -s KILL 1 nc -l -p 80; echo rc=$?']);
  expect(out).toBe('0\nrc=137');
}, 60_000);

test('docker cp shifts owners both ways', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '1000']);
  try {
    const file = `${e.daemon.dir}/copied.txt`;
    writeFileSync(file, 'copied\n');
    await e.ok(['cp', file, `${id}:/tmp/`]);
    expect(await e.ok(['exec', id, 'stat', '-c', '%u:%g', '/tmp/copied.txt'])).toBe('0:0');
    const out = `${e.daemon.dir}/out`;
    mkdirSync(out);
    await e.ok(['cp', '-a', `${id}:/etc/passwd`, out]);
    expect(statSync(`${out}/passwd`).uid).toBe(0);
  } finally {
    await e.docker(['rm', '-f', id]);
  }
}, 60_000);

test('-t and a non-root user run remapped too', async () => {
  expect(mapLine(await e.ok(['run', '--rm', '-t', BUSYBOX, 'cat', '/proc/self/uid_map']))).toBe(`0 ${BASE} ${SIZE}`);
  const id = await e.ok(['run', '-d', '-u', '1000:1000', BUSYBOX, 'sleep', '1000']);
  try {
    // The sandbox's pid 1 switches to the user as it hands over to the workload, a moment after the start returns.
    const pid = Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', id]));
    for (let i = 0; i < 200 && hostUid(pid) !== String(BASE + 1000); i++) await new Promise((r) => setTimeout(r, 25));
    expect(hostUid(pid)).toBe(String(BASE + 1000));
    expect(await e.ok(['exec', '-t', id, 'id', '-u'])).toBe('1000');
  } finally {
    await e.docker(['rm', '-f', id]);
  }
}, 60_000);

test('the confinement still applies inside the user namespace', async () => {
  // Docker's 14 capabilities as bounding set and its seccomp filter; a device node cannot be made or opened
  // (the kernel refuses mknod of a device to a user namespace, as under dockerd's remapping).
  const out = await e.ok(['run', '--rm', BUSYBOX, 'sh', '-c', 'grep -E "^(CapBnd|Seccomp):" /proc/self/status; mknod /tmp/sda b 8 0 && head -c1 /tmp/sda; echo rc=$?']);
  expect(out).toMatch(/^CapBnd:\s+00000000a80425fb\nSeccomp:\s+2\n/);
  expect(out).toMatch(/rc=1$/);
}, 60_000);
