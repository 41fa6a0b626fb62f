/**
 * examples/all-clouds.config.ts boots as documented, with the AWS, Google Cloud and Azure simulators inside the
 * daemon, and one container runs in each pool: the local sandbox, ECS, Cloud Run and Container Apps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

jest.setTimeout(180_000);

let e: E2E;
beforeAll(async () => { e = await startE2E({ config: readFileSync(join(REPO_ROOT, 'examples/all-clouds.config.ts'), 'utf8') }); }, 180_000);
afterAll(async () => { await e?.dispose(); });

test.each([
  ['default', 'local'],
  ['ecs', 'ecs'],
  ['cloudrun', 'cloudrun'],
  ['aca', 'aca'],
])('a container in pool %s runs on backend %s and prints its output', async (pool, backend) => {
  const name = `in-${pool}`;
  const r = await e.docker(['run', '--name', name, '--label', `com.sockerless.pool=${pool}`, BUSYBOX, 'sh', '-c', `echo hello from ${pool}; exit 4`]);
  expect(r).toMatchObject({ code: 4, stdout: `hello from ${pool}\n` });
  expect(await e.ok(['inspect', '-f', '{{.Sockerless.Backend}} {{.State.ExitCode}}', name])).toBe(`${backend} 4`);
  await e.ok(['rm', name]);
});
