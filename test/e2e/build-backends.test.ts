/**
 * `docker build` on a daemon whose backends cannot read a container's layer (the aws-sim preset: ECS and
 * Lambda): a Dockerfile with RUN is Docker's 501 before any progress, never a fake success; one without RUN
 * (FROM, COPY, metadata) needs no backend and builds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPresetDaemon, type PresetDaemon } from '../support/aws';
import { buildBusyboxImageArchive } from '../support/images';

let d: PresetDaemon;

beforeAll(async () => {
  d = await startPresetDaemon();
  await d.ok(['load', '-i', await buildBusyboxImageArchive(join(d.dir, 'image'))]);
}, 180_000);
afterAll(async () => { await d?.dispose(); });

function context(name: string, dockerfile: string): string {
  const dir = join(d.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(join(dir, 'f'), 'copied\n');
  return dir;
}

test('RUN on backends without layers: a 501 that says why', async () => {
  const r = await d.docker(['build', context('with-run', 'FROM busybox\nRUN echo hi\n')], { env: { DOCKER_BUILDKIT: '0' } });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('RUN steps are not supported by this daemon\'s backends');
  expect(r.stdout).not.toContain('Step 1/');
});

test('a Dockerfile without RUN builds there, and the image runs as an ECS task', async () => {
  const r = await d.docker(['build', '-t', 'copied:1', context('copy-only', 'FROM busybox\nCOPY f /f\nCMD ["cat", "/f"]\n')], { env: { DOCKER_BUILDKIT: '0' } });
  expect(r.code).toBe(0);
  expect(await d.ok(['run', '--rm', 'copied:1'], { timeoutMs: 120_000 })).toBe('copied');
});
