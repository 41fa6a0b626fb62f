/**
 * The real docker CLI against a daemon whose containers run as Cloud Functions (2nd gen), on the Google Cloud
 * simulator (`sockerless simulator gcp`, its own process and home, so functions outlive the daemon): Docker
 * client -> daemon -> backend-faas `cloudfunctions` -> @google-cloud/functions (REST) -> HTTP -> simulator ->
 * the function's request in the sandbox with the workload agent -> Cloud Logging -> back. After a kill -9 the
 * daemon finds its containers again; a daemon on a new, empty home rebuilds them from the functions' labels.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startSimulatorProcess, type SimulatorProcess } from '../support/aws';
import { unmountUnder } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { buildBusyboxImageArchive } from '../support/images';
import { api } from '../support/raw-http';

jest.setTimeout(180_000);

const configFor = (endpoint: string) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'backend-faas'],
  backends: { gcf: { driver: 'cloudfunctions', options: { endpoint: '${endpoint}', project: 'p1', region: 'us-central1', pollIntervalMs: { min: 10, max: 200 } } } },
  defaultBackend: 'gcf',
};
`;

let dir: string;
let sim: SimulatorProcess;
let e: E2E;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockerless-gcp-functions-'));
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

/** The simulator's functions, through its REST API as the official client sends it. */
async function functionIds(): Promise<string[]> {
  const res = await fetch(`${sim.endpoint}/v2/projects/p1/locations/us-central1/functions`);
  const body = await res.json() as { functions?: Array<{ name: string }> };
  return (body.functions ?? []).map((f) => f.name.split('/').pop()!);
}

/** Waits until the container's agent answers an exec: only then can exec, cp and signals reach it. */
async function untilAgent(id: string): Promise<void> {
  await eventually(`the agent of ${id}`, async () => (await e.docker(['exec', id, 'true'])).code === 0);
}

test('run --rm echo prints hi through Cloud Functions and leaves no function behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect(await functionIds()).toEqual([]);
});

test('the exit code of the request\'s process is the exit code of docker run; stdout and stderr stay apart', async () => {
  const r = await e.docker(['run', '--name', 'gcf-exit-three', BUSYBOX, 'sh', '-c', 'echo out; echo to-err >&2; exit 3']);
  expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'to-err\n' });
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.Sockerless.Backend}}', 'gcf-exit-three'])).toBe('exited 3 gcf');
  // Each start is a new invocation with its own output.
  expect(await e.docker(['start', '-a', 'gcf-exit-three'])).toMatchObject({ code: 3, stdout: 'out\n' });
  await e.ok(['rm', 'gcf-exit-three']);
});

test('run -d then logs -f follows Cloud Logging until the request ends', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done']);
  const logs = await e.docker(['logs', '-f', id]);
  expect(logs).toMatchObject({ code: 0, stdout: 'line1\nline2\nline3\n' });
  expect(await e.ok(['wait', id])).toBe('0');
  await e.ok(['rm', id]);
});

test('exec and cp both ways into a running invocation, through the workload agent', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sh', '-c', 'mkdir -p /data && echo inside > /data/f.txt && sleep 60']);
  await untilAgent(id);
  expect(await e.docker(['exec', id, 'cat', '/data/f.txt'])).toMatchObject({ code: 0, stdout: 'inside\n' });
  expect((await e.docker(['exec', id, 'sh', '-c', 'exit 4'])).code).toBe(4);
  const src = join(e.daemon.dir, 'to-gcf.txt');
  writeFileSync(src, 'from the host\n');
  await e.ok(['cp', src, `${id}:/tmp/`]);
  expect(await e.ok(['exec', id, 'cat', '/tmp/to-gcf.txt'])).toBe('from the host');
  const out = join(e.daemon.dir, 'from-gcf');
  mkdirSync(out);
  await e.ok(['cp', `${id}:/data`, out]);
  expect(readFileSync(join(out, 'data', 'f.txt'), 'utf8')).toBe('inside\n');
  await e.ok(['rm', '-f', id]);
});

test('stop reaches the process through the agent; ps filters by status, name and label; rm -f removes a running one', async () => {
  await e.ok(['run', '-d', '--name', 'gcf-keep', '--label', 'team=blue', BUSYBOX, 'sleep', '600']);
  const stopped = await e.ok(['run', '-d', '--name', 'gcf-stop', '--label', 'team=red', BUSYBOX, 'sleep', '600']);
  const running = (await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).split('\n').sort();
  expect(running).toEqual(['gcf-keep', 'gcf-stop']);
  expect(await e.ok(['ps', '--filter', 'label=team=blue', '--format', '{{.Names}}'])).toBe('gcf-keep');
  expect(await e.ok(['ps', '--filter', 'name=gcf-st', '--format', '{{.Names}}'])).toBe('gcf-stop');
  await untilAgent(stopped);
  await e.ok(['stop', '-t', '30', 'gcf-stop']);
  // sleep dies of the SIGTERM: 128 + 15.
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'gcf-stop'])).toBe('exited 143');
  expect(await e.ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).toBe('gcf-stop');
  expect(await e.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).toBe('gcf-keep');
  await e.ok(['rm', '-f', 'gcf-keep', 'gcf-stop']);
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect(await functionIds()).toEqual([]);
});

test('docker run -i: stdin reaches the process through the agent', async () => {
  const r = await e.docker(['run', '-i', '--rm', BUSYBOX, 'sh', '-c', 'read line; echo "got $line"'], { input: 'over the agent\n' });
  expect(r).toMatchObject({ code: 0, stdout: 'got over the agent\n' });
});

test('what a function cannot do answers 501 naming the reason; Google errors keep their name', async () => {
  const tty = await e.docker(['run', '--rm', '-t', BUSYBOX, 'true']);
  expect(tty.code).not.toBe(0);
  expect(tty.stderr).toContain('Cloud Functions has no terminal');
  expect((await api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: BUSYBOX, Cmd: ['true'], Tty: true }))).status).toBe(501);

  const created = await e.ok(['create', BUSYBOX, 'true']);
  const src = join(e.daemon.dir, 'never.txt');
  writeFileSync(src, 'x');
  const cp = await e.docker(['cp', src, `${created}:/tmp/never.txt`]);
  expect(cp.code).not.toBe(0);
  expect(cp.stderr).toContain('a Cloud Functions container has a filesystem only while an invocation runs');
  await e.ok(['rm', created]);

  const running = await e.ok(['run', '-d', BUSYBOX, 'sleep', '60']);
  const pause = await e.docker(['pause', running]);
  expect(pause.code).not.toBe(0);
  expect(pause.stderr).toContain("pause is not supported by backend 'gcf'");
  await e.ok(['rm', '-f', running]);

  const bind = await e.docker(['run', '--rm', '-v', `${e.daemon.dir}:/host`, BUSYBOX, 'true']);
  expect(bind.stderr).toContain('cannot mount a path of the daemon');
  const reserved = await e.docker(['run', '--rm', '-e', 'K_SERVICE=x', BUSYBOX, 'true']);
  expect(reserved.stderr).toContain('K_SERVICE is reserved by Cloud Functions');

  // An image the daemon has but the simulator's registry does not: the function's create operation fails
  // with Google's NOT_FOUND, which is Docker's 404, and no function is left.
  await e.ok(['tag', BUSYBOX, 'only-in-the-daemon:1']);
  const missing = await api(e.daemon.socket, 'POST', '/containers/create', JSON.stringify({ Image: 'only-in-the-daemon:1', Cmd: ['true'] }));
  expect(missing.status).toBe(404);
  expect(missing.text).toContain("functions: NOT_FOUND: Image 'only-in-the-daemon:1' not found.");
  expect(await functionIds()).toEqual([]);
});

test('after kill -9 the daemon has its containers; a new, empty home rebuilds them from the functions\' labels', async () => {
  await e.docker(['run', '--name', 'gcf-before-crash', '--label', 'case=crash', BUSYBOX, 'sh', '-c', 'exit 5']);
  await e.ok(['create', '--name', 'gcf-created-only', BUSYBOX, 'echo', 'later']);
  await e.daemon.kill9();
  await e.daemon.restart();
  const after = (await e.ok(['ps', '-a', '--format', '{{.Names}}|{{.State}}'])).split('\n').sort();
  expect(after).toEqual(['gcf-before-crash|exited', 'gcf-created-only|created']);
  // A container made before the crash still runs on the restarted daemon.
  expect(await e.docker(['start', '-a', 'gcf-created-only'])).toMatchObject({ code: 0, stdout: 'later\n' });

  const fresh = await startE2E({ config: configFor(sim.endpoint) });
  try {
    const lines = await eventually('the containers rebuilt from labels', async () => {
      const out = (await fresh.ok(['ps', '-a', '--format', '{{.Names}}|{{.Image}}|{{.Label "case"}}'])).split('\n').sort();
      return out.length >= 2 ? out : undefined;
    });
    expect(lines).toEqual(['gcf-before-crash|busybox:latest|crash', 'gcf-created-only|busybox:latest|']);
    expect(await fresh.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.Path}} {{.Args}}', 'gcf-before-crash'])).toBe('gcf sh [-c exit 5]');
  } finally {
    await fresh.dispose();
  }
  await e.ok(['rm', '-f', 'gcf-before-crash', 'gcf-created-only']);
}, 300_000);
