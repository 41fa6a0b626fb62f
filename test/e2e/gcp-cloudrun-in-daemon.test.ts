/**
 * Cloud Run with the Google Cloud simulator inside the daemon (`simulator: 'gcp'`), as `--preset gcp-sim`
 * runs it: the simulator takes its images from the daemon's own image store, so a `docker import`ed image runs.
 */
import { execOnceAgentIsIn } from '../support/aws';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { CLOUDRUN_IN_DAEMON_CONFIG } from '../support/gcp';

jest.setTimeout(180_000);

let e: E2E;
beforeAll(async () => { e = await startE2E({ config: CLOUDRUN_IN_DAEMON_CONFIG }); });
afterAll(async () => { await e?.dispose(); });

test('run --rm echo and an exit code through the simulator in the daemon', async () => {
  expect(await e.docker(['run', '--rm', BUSYBOX, 'echo', 'hi'])).toMatchObject({ code: 0, stdout: 'hi\n' });
  expect((await e.docker(['run', '--rm', BUSYBOX, 'sh', '-c', 'exit 3'])).code).toBe(3);
  expect(await e.ok(['ps', '-aq'])).toBe('');
});

test('exec and stdin reach the task through the workload agent', async () => {
  const r = await e.docker(['run', '--rm', '-i', BUSYBOX, 'sh', '-c', 'read line; echo got:$line'], { input: 'hello\n' });
  expect(r).toMatchObject({ code: 0, stdout: 'got:hello\n' });
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '600']);
  // exec waits for the agent to dial in from the task; until then the daemon answers that it has not connected.
  const out = await execOnceAgentIsIn((a) => e.docker(a), id, ['echo', 'inside']);
  expect(out).toBe('inside');
  await e.ok(['rm', '-f', id]);
});
