/**
 * The daemon's home is as private as dockerd's data root, and no descriptor the daemon inherited reaches
 * a workload (issue 19's reproducers): a setuid binary made inside a container cannot be run by a local
 * user through its host path, the state database is not readable by one, and a file the daemon got open
 * on fd 200 is neither listed nor writable in a container or an exec.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let leakDir: string;
let leakFile: string;

beforeAll(async () => {
  leakDir = mkdtempSync(join(tmpdir(), 'sockerless-fd-leak-'));
  leakFile = join(leakDir, 'inherited');
  const fd = openSync(leakFile, 'w');
  try {
    e = await startE2E({ inheritFds: { 200: fd } });
  } finally {
    closeSync(fd); // the daemon has its own copy (or had, until it closed it)
  }
  // mkdtemp made the test dir 0700; open it so that only the home's own modes stand in a local user's way.
  chmodSync(e.daemon.dir, 0o755);
});

afterAll(async () => {
  await e?.dispose();
  rmSync(leakDir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o7777;

/**
 * Runs argv as `nobody` with no groups, as an unprivileged local user would. Through a shell: setpriv
 * keeps root's capabilities until its own execve, so a path it execs directly is still looked up with
 * CAP_DAC_OVERRIDE; the shell runs with none.
 */
function asNobody(argv: string[]) {
  return spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--', '/bin/sh', '-c', 'exec "$0" "$@"', ...argv], { encoding: 'utf8' });
}

/** The descriptor numbers a process in the container sees, as `ls /proc/self/fd` lists them. */
function fdsOf(listing: string): number[] {
  return listing.split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
}

test('the home is 0710, the directories in it 0700, the database and its WAL files 0600', async () => {
  await e.ok(['volume', 'create', 'home-probe']);
  const home = e.daemon.home;
  expect(mode(home)).toBe(0o710);
  for (const dir of ['containers', 'volumes', 'images', 'backends', 'plugins']) expect({ dir, mode: mode(join(home, dir)) }).toEqual({ dir, mode: 0o700 });
  for (const file of ['state.db', 'state.db-wal', 'state.db-shm']) expect({ file, mode: mode(join(home, file)) }).toEqual({ file, mode: 0o600 });
  const read = asNobody(['cat', join(home, 'state.db')]);
  expect(read.status).not.toBe(0);
  expect(read.stderr).toMatch(/Permission denied/);
});

test('a setuid binary made in a container runs for no local user through its host path', async () => {
  const id = await e.ok(['run', '-d', '--name', 'suid', BUSYBOX, 'sleep', '300']);
  await e.ok(['exec', 'suid', 'sh', '-c', 'cp /bin/busybox /x && chmod 4755 /x']);
  const stateDir = join(e.daemon.home, 'backends', 'local', 'containers', id);
  const onHost = ['upper', 'merged', 'rootfs'].map((d) => join(stateDir, d, 'x')).filter((p) => existsSync(p));
  expect(onHost.length).toBeGreaterThan(0);
  for (const path of onHost) {
    expect(mode(path)).toBe(0o4755); // it is there, setuid root, as the reproducer made it
    const run = asNobody([path, 'id', '-u']);
    expect({ path, ran: run.status === 0, denied: /Permission denied/.test(run.stderr) }).toEqual({ path, ran: false, denied: true });
  }
  // The control: the same user runs the host's own busybox, so the refusal above is the home's modes.
  expect(asNobody(['/bin/busybox', 'id', '-u']).stdout.trim()).toBe('65534');
  // As dockerd's overlay2 mounts, the container's root is neither nosuid nor nodev (findmnt: rw,relatime).
  const root = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === join(stateDir, 'merged'));
  if (root) expect(root.split(' ')[5].split(',')).not.toEqual(expect.arrayContaining(['nosuid']));
  await e.ok(['rm', '-f', 'suid']);
});

test('a descriptor the daemon inherited is in no container or exec', async () => {
  await e.ok(['run', '-d', '--name', 'plain', BUSYBOX, 'sleep', '300']);
  const listings = {
    run: await e.ok(['run', '--rm', BUSYBOX, 'ls', '/proc/self/fd']),
    exec: await e.ok(['exec', 'plain', 'ls', '/proc/self/fd']),
  };
  for (const [where, listing] of Object.entries(listings)) {
    // 0, 1, 2 and the descriptor ls reads the directory with.
    expect({ where, fds: fdsOf(listing) }).toEqual({ where, fds: [0, 1, 2, 3] });
  }
  const write = 'echo leaked > /proc/self/fd/200 && echo WROTE';
  expect((await e.docker(['run', '--rm', BUSYBOX, 'sh', '-c', write])).stdout).not.toContain('WROTE');
  expect((await e.docker(['exec', 'plain', 'sh', '-c', write])).stdout).not.toContain('WROTE');
  expect(readFileSync(leakFile, 'utf8')).toBe('');
  await e.ok(['rm', '-f', 'plain']);
});

test("a TTY container's terminal is in no other container or exec, nor in its own", async () => {
  // The daemon holds each TTY's master; node-pty opens it without close-on-exec.
  await e.ok(['run', '-d', '-t', '--name', 'tty', BUSYBOX, 'sleep', '300']);
  await e.ok(['run', '-d', '--name', 'plain2', BUSYBOX, 'sleep', '300']);
  const listings = {
    run: await e.ok(['run', '--rm', BUSYBOX, 'ls', '/proc/self/fd']),
    exec: await e.ok(['exec', 'plain2', 'ls', '/proc/self/fd']),
    ttyRun: await e.ok(['run', '--rm', '-t', BUSYBOX, 'ls', '/proc/self/fd']),
    ttyExec: await e.ok(['exec', '-t', 'tty', 'ls', '/proc/self/fd']),
  };
  for (const [where, listing] of Object.entries(listings)) {
    expect({ where, fds: fdsOf(listing) }).toEqual({ where, fds: [0, 1, 2, 3] });
  }
  await e.ok(['rm', '-f', 'tty', 'plain2']);
});
