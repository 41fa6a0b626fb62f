/**
 * The real docker CLI against a daemon whose containers run as Cloud Run jobs, on the Google Cloud simulator
 * (`sockerless simulator gcp`, its own process and home, so jobs outlive the daemon): Docker client ->
 * daemon -> @google-cloud/run (REST) -> HTTP -> simulator -> sandbox -> Cloud Logging -> back. After a
 * kill -9 the daemon finds its containers again; a daemon on a new, empty home rebuilds them from the jobs' labels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, execOnceAgentIsIn, startSimulatorProcess, type SimulatorProcess } from '../support/aws';
import { unmountUnder } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { buildBusyboxImageArchive } from '../support/images';

jest.setTimeout(180_000);

const configFor = (endpoint: string) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'backend-cloudrun'],
  backends: { cloudrun: { driver: 'cloudrun', options: { endpoint: '${endpoint}', project: 'p1', region: 'us-central1' } } },
  defaultBackend: 'cloudrun',
};
`;

let dir: string;
let sim: SimulatorProcess;
let e: E2E;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockerless-gcp-cloudrun-'));
  const archive = await buildBusyboxImageArchive(join(dir, 'image'));
  sim = await startSimulatorProcess({ dir, load: [archive], cloud: 'gcp' });
  e = await startE2E({ config: configFor(sim.endpoint) });
}, 180_000);
afterAll(async () => {
  await e?.dispose();
  await sim?.stop();
  if (dir) {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run --rm echo prints hi through Cloud Run and leaves nothing behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('the exit code of the task is the exit code of docker run', async () => {
  const r = await e.docker(['run', '--name', 'exit-three', BUSYBOX, 'sh', '-c', 'echo to-err >&2; exit 3']);
  expect(r).toMatchObject({ code: 3, stderr: 'to-err\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.Sockerless.Backend}}', 'exit-three'])).toBe('exited 3 cloudrun');
  await e.ok(['rm', 'exit-three']);
});

test('run -d then logs -f follows Cloud Logging until the execution ends', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done']);
  const logs = await e.docker(['logs', '-f', id]);
  expect(logs).toMatchObject({ code: 0, stdout: 'line1\nline2\nline3\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 0');
  await e.ok(['rm', id]);
});

test('stop ends the execution; ps filters by status, name and label; rm -f removes a running one', async () => {
  await e.ok(['run', '-d', '--name', 'crun-keep', '--label', 'team=blue', BUSYBOX, 'sleep', '600']);
  await e.ok(['run', '-d', '--name', 'crun-stop', '--label', 'team=red', BUSYBOX, 'sleep', '600']);
  const running = (await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).split('\n').sort();
  expect(running).toEqual(['crun-keep', 'crun-stop']);
  expect(await e.ok(['ps', '--filter', 'label=team=blue', '--format', '{{.Names}}'])).toBe('crun-keep');
  expect(await e.ok(['ps', '--filter', 'name=crun-st', '--format', '{{.Names}}'])).toBe('crun-stop');

  await e.ok(['stop', '-t', '2', 'crun-stop']);
  const [status, code] = (await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'crun-stop'])).split(' ');
  expect(status).toBe('exited');
  expect(['137', '143']).toContain(code);
  expect(await e.ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).toBe('crun-stop');
  expect(await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).toBe('crun-keep');

  await e.ok(['rm', '-f', 'crun-keep', 'crun-stop']);
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('run -t answers 501 naming why: a Cloud Run task has no terminal', async () => {
  const r = await e.docker(['run', '--rm', '-t', BUSYBOX, 'echo', 'hi']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/TTY is not available on the Cloud Run backend/);
});

test('after kill -9 the daemon has its containers; a new, empty home rebuilds them from the jobs\' labels', async () => {
  await e.ok(['run', '--name', 'before-crash', '--label', 'case=crash', BUSYBOX, 'sh', '-c', 'exit 5']).catch(() => undefined);
  await e.ok(['create', '--name', 'created-only', BUSYBOX, 'echo', 'later']);
  await e.ok(['create', '--name', 'started-later', BUSYBOX, 'sleep', '600']);
  await e.daemon.kill9();
  await e.daemon.restart();
  const after = (await e.ok(['ps', '-a', '--format', '{{.Names}}|{{.State}}'])).split('\n').sort();
  expect(after).toEqual(['before-crash|exited', 'created-only|created', 'started-later|created']);

  const fresh = await startE2E({ config: configFor(sim.endpoint) });
  try {
    const lines = await eventually('the containers rebuilt from labels', async () => {
      const out = (await fresh.ok(['ps', '-a', '--format', '{{.Names}}|{{.Image}}|{{.Label "case"}}|{{.Status}}'])).split('\n').sort();
      return out.length >= 3 ? out : undefined;
    });
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^before-crash\|busybox:latest\|crash\|Exited \(5\)/),
      expect.stringMatching(/^created-only\|busybox:latest\|\|Created/),
    ]));
    expect(await fresh.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Path}} {{.Args}}', 'before-crash'])).toBe('cloudrun sh [-c exit 5]');
    // Made by the first daemon, started by this one: the run's env override carries this daemon's agent grant.
    await fresh.ok(['start', 'started-later']);
    const inside = await execOnceAgentIsIn((a) => fresh.docker(a), 'started-later', ['echo', 'inside']);
    expect(inside).toBe('inside');
    await fresh.ok(['rm', '-f', 'started-later']);
  } finally {
    await fresh.dispose();
  }
  await e.ok(['rm', '-f', 'before-crash', 'created-only', 'started-later']);
}, 300_000);
