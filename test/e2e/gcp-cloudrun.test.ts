/**
 * The real docker CLI against a daemon whose containers run as Cloud Run jobs, on the Google Cloud simulator
 * (`sockerless simulator gcp`, its own process and home, so jobs outlive the daemon): Docker client ->
 * daemon -> @google-cloud/run (REST) -> HTTP -> simulator -> sandbox -> Cloud Logging -> back. After a
 * kill -9 the daemon finds its containers again; a daemon on a new, empty home rebuilds them from the jobs' labels.
 */
import { eventually } from '../support/aws';
import { cloudE2E, expectExecAfterStartHere, expectExitCodeOfRun, expectLogsFollowToTheEnd, expectStopAndPsFilters } from '../support/cloud-e2e';
import { startE2E, BUSYBOX } from '../support/e2e';

jest.setTimeout(180_000);

const configFor = (endpoint: string) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'backend-cloudrun'],
  backends: { cloudrun: { driver: 'cloudrun', options: { endpoint: '${endpoint}', project: 'p1', region: 'us-central1' } } },
  defaultBackend: 'cloudrun',
};
`;

const e = cloudE2E({ cloud: 'gcp', name: 'gcp-cloudrun', config: (sim) => configFor(sim.endpoint) });

test('run --rm echo prints hi through Cloud Run and leaves nothing behind', async () => {
  const r = await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('the exit code of the task is the exit code of docker run', async () => {
  await expectExitCodeOfRun(e, 'cloudrun');
});

test('run -d then logs -f follows Cloud Logging until the execution ends', async () => {
  await expectLogsFollowToTheEnd(e);
});

test('stop ends the execution; ps filters by status, name and label; rm -f removes a running one', async () => {
  await expectStopAndPsFilters(e, 'crun', 2);
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

  const fresh = await startE2E({ config: configFor(e.sim.endpoint) });
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
    await expectExecAfterStartHere(fresh, 'started-later');
  } finally {
    await fresh.dispose();
  }
  await e.ok(['rm', '-f', 'before-crash', 'created-only', 'started-later']);
}, 300_000);
