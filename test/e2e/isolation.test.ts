/**
 * The isolation suite (issue 19): every case in isolation-cases.ts is a container that tries to get out of
 * Docker's default confinement (or is allowed in by --privileged, --cap-add, --device), run with the docker
 * CLI against Sockerless's local backend and, the same case, against a private dockerd 20.10 (as the
 * differential suite starts one): Sockerless must give the expected answer, and Docker's must be the same.
 * Without a usable dockerd the Docker side is skipped with the reason printed.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, type CliResult } from '../support/docker-cli';
import { dockerdUnavailableReason, startPrivateDockerd, type PrivateDockerd } from '../support/dockerd';
import { BUSYBOX, BUSYBOX_IMPORT_CHANGES, startE2E, type E2E } from '../support/e2e';
import { buildBusyboxRootfsTar } from '../support/images';
import { api } from '../support/raw-http';
import { MKDIR_DENYING_PROFILE, isolationCases, type IsolationCase } from './isolation-cases';

interface Engine { dockerHost: string; dir: string; socket: string }

let ours: E2E;
let dockerd: PrivateDockerd | undefined;
let dockerSkipped: string | undefined;
let privilegedSkipped: string | undefined;

beforeAll(async () => {
  const reason = dockerdUnavailableReason();
  const [oursStart, dockerStart] = await Promise.allSettled([startE2E(), reason ? Promise.reject(new Error(reason)) : startPrivateDockerd()]);
  if (oursStart.status === 'rejected') throw oursStart.reason;
  ours = oursStart.value;
  if (dockerStart.status === 'rejected') {
    dockerSkipped = (dockerStart.reason as Error).message;
    console.warn(`isolation suite: the Docker side is skipped: ${dockerSkipped}`);
    return;
  }
  dockerd = dockerStart.value;
  const imported = await docker(dockerd.dockerHost, dockerd.dir, ['import', ...BUSYBOX_IMPORT_CHANGES, await buildBusyboxRootfsTar(`${ours.daemon.dir}/rootfs-build`), BUSYBOX]);
  if (imported.code !== 0) throw new Error(`docker import into dockerd failed: ${imported.stderr}`);
  const privileged = await docker(dockerd.dockerHost, dockerd.dir, ['run', '--rm', '--privileged', BUSYBOX, 'true']);
  if (privileged.code !== 0) {
    privilegedSkipped = privileged.stderr.trim();
    console.warn(`isolation suite: dockerd cannot run --privileged on this host, its privileged cases are skipped: ${privilegedSkipped}`);
  }
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([ours?.dispose(), dockerd?.dispose()]);
}, 60_000);

/** The profile file the docker CLI reads (it sends the content, as for any `seccomp=FILE`). */
function profileFile(): string {
  const file = join(ours.daemon.dir, 'mkdir-denying-seccomp.json');
  writeFileSync(file, MKDIR_DENYING_PROFILE);
  return file;
}

const shown = (r: CliResult) => (r.code === 0 ? r.stdout.trim() : `${r.stdout.trim()}\n[exit ${r.code}] ${r.stderr.trim()}`);

async function answer(e: Engine, c: IsolationCase): Promise<string> {
  const run = (args: string[]) => docker(e.dockerHost, e.dir, args);
  if (!c.exec) return shown(await run(['run', '--rm', ...c.args, BUSYBOX, 'sh', '-c', c.script]));
  const started = await run(['run', '-d', ...c.args, BUSYBOX, 'sleep', '1000']);
  if (started.code !== 0) return shown(started);
  const id = started.stdout.trim();
  try {
    return shown(await run(['exec', ...c.exec, id, 'sh', '-c', c.script]));
  } finally {
    await run(['rm', '-f', id]);
  }
}

const engines = () => ({
  ours: { dockerHost: ours.daemon.dockerHost, dir: ours.daemon.dir, socket: ours.daemon.socket },
  docker: dockerd && { dockerHost: dockerd.dockerHost, dir: dockerd.dir, socket: dockerd.socket },
});

// The cases name the daemon's socket and home, known once it runs; the list itself is fixed.
const CASES = isolationCases({ socket: '<socket>', home: '<home>' }, '<profile>');

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, template) => {
  test('Sockerless gives the expected answer, and Docker the same', async () => {
    if (template.needsDeviceCgroup && !existsSync('/sys/fs/cgroup/devices/devices.allow')) {
      console.warn(`isolation suite: "${template.name}" skipped: no cgroup v1 devices controller on this host`);
      return;
    }
    const c = isolationCases({ socket: ours.daemon.socket, home: ours.daemon.home }, profileFile()).find((x) => x.name === template.name)!;
    const { ours: o, docker: d } = engines();
    const skipDocker = !d || c.oursOnly !== undefined || (c.needsPrivileged && privilegedSkipped !== undefined);
    const [mine, theirs] = await Promise.all([answer(o, c), skipDocker ? undefined : answer(d!, c)]);
    expect(mine).toBe(c.expected);
    if (theirs !== undefined) expect(theirs).toBe(mine);
  }, 60_000);
});

async function create(socket: string, body: object): Promise<{ status: number; message?: string }> {
  const r = await api(socket, 'POST', '/v1.41/containers/create', JSON.stringify({ Image: BUSYBOX, ...body }));
  return { status: r.status, message: (r.json() as { message?: string }).message };
}

test('bad confinement values are Docker\'s 400s', async () => {
  const { ours: o, docker: d } = engines();
  const bodies = [
    { HostConfig: { CapAdd: ['FOO'] } },
    { HostConfig: { CapDrop: ['bogus'] } },
    { HostConfig: { SecurityOpt: ['foo=bar'] } },
    { HostConfig: { SecurityOpt: ['no-new-privileges:maybe'] } },
    { HostConfig: { IpcMode: 'container:nope' } },
  ];
  for (const body of bodies) {
    const mine = await create(o.socket, body);
    expect(mine.status).toBe(400);
    // dockerd 20.10 answers a bad SecurityOpt with a 500; the message is what must match.
    if (d) expect({ body, message: mine.message }).toEqual({ body, message: (await create(d.socket, body)).message });
  }
  // dockerd 20.10 accepts these at create and ignores or fails them later; Sockerless says no at once.
  for (const [body, message] of [
    [{ HostConfig: { UsernsMode: 'private' } }, /user namespace remapping is not enabled/],
    [{ HostConfig: { PidMode: 'weird' } }, /Invalid PID mode: weird/],
    [{ HostConfig: { Devices: [{ PathOnHost: '/dev/nonexistent', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }] } }, /error gathering device information/],
    [{ HostConfig: { SecurityOpt: ['seccomp=notjson'] } }, /Decoding seccomp profile failed/],
  ] as const) {
    expect(await create(o.socket, body)).toEqual({ status: 400, message: expect.stringMatching(message) });
  }
}, 60_000);

test('--pid and --ipc container:<id> join a running container\'s namespaces, as in Docker', async () => {
  const { ours: o, docker: d } = engines();
  const check = async (e: Engine) => {
    const run = (args: string[]) => docker(e.dockerHost, e.dir, args);
    // Shareable, so that dockerd (whose default IPC mode is private) lets another container join it.
    const target = (await run(['run', '-d', '--ipc', 'shareable', BUSYBOX, 'sleep', '1000'])).stdout.trim();
    try {
      // Its pids and its IPC namespace (/dev/shm is not shared by Sockerless: see docs/isolation.md).
      const seen = await run(['run', '--rm', '--pid', `container:${target}`, '--ipc', `container:${target}`, BUSYBOX, 'sh', '-c',
        'p=$(pidof sleep); echo sleep=$(echo $p | wc -w); [ "$(readlink /proc/self/ns/ipc)" = "$(readlink /proc/$p/ns/ipc)" ] && echo same-ipc']);
      const stopped = await run(['create', '--pid', 'container:nope', BUSYBOX]);
      return { seen: shown(seen), unknown: stopped.stderr.trim() };
    } finally {
      await run(['rm', '-f', target]);
    }
  };
  const [mine, theirs] = await Promise.all([check(o), d ? check(d) : undefined]);
  expect(mine.seen).toBe('sleep=1\nsame-ipc');
  expect(mine.unknown).toContain('No such container: nope');
  if (theirs) expect(theirs.seen).toBe(mine.seen);
}, 60_000);
