/**
 * The example third-party backend (examples/host-process-backend, written from docs/plugins.md) loaded by
 * path from a config, as an operator would, and used with the unchanged docker CLI.
 */
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { REPO_ROOT } from '../support/daemon';

let e: E2E;
beforeAll(async () => {
  const plugin = join(REPO_ROOT, 'examples', 'host-process-backend', 'index.ts');
  e = await startE2E({
    config: `export default { plugins: ['store-sqlite', ${JSON.stringify(plugin)}], backends: { host: { driver: 'host-process' } } };\n`,
  });
});
afterAll(async () => { await e?.dispose(); });

test('docker run, exit codes, stderr, logs, exec, stop and rm -f through the example backend', async () => {
  expect(await e.ok(['run', '--rm', BUSYBOX, 'sh', '-c', 'echo hi from the host'])).toBe('hi from the host');
  const failed = await e.docker(['run', '--rm', BUSYBOX, 'sh', '-c', 'echo oops >&2; exit 3']);
  expect(failed).toMatchObject({ code: 3, stderr: 'oops\n' });
  expect((await e.docker(['run', '--rm', BUSYBOX, 'sockerless-no-such-command'])).code).toBe(127);

  await e.ok(['run', '-d', '--name', 'idle', BUSYBOX, 'sh', '-c', "trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.1; done"]);
  expect(await e.ok(['exec', 'idle', 'sh', '-c', 'echo in-exec'])).toBe('in-exec');
  await e.ok(['stop', '-t', '5', 'idle']);
  expect(await e.ok(['inspect', '-f', '{{.State.ExitCode}}', 'idle'])).toBe('0');
  expect(await e.ok(['logs', 'idle'])).toBe('up\nbye');
  // docker cp is not offered: Docker's 501 shape, not a fake success.
  const cp = await e.docker(['cp', 'idle:/etc/hostname', join(e.daemon.dir, 'x')]);
  expect(cp.code).not.toBe(0);
  expect(cp.stderr).toContain('archive is not supported by backend');
  await e.ok(['rm', '-f', 'idle']);
});
