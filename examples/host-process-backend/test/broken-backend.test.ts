import { runConformanceScenarios, type ConformanceResult } from '@sockerless/sdk/testing';
import { BrokenDriver } from './broken-backend';

const made: BrokenDriver[] = [];
afterAll(() => { for (const d of made) d.killAll(); });

test('a backend with a wrong exit code and a leaked process fails the kit, each failure naming its scenario', async () => {
  const results = await runConformanceScenarios({
    name: 'broken',
    driver: (ctx) => { const d = new BrokenDriver(ctx); made.push(d); return d; },
    image: { id: 'sha256:host', ref: 'host' },
    timeoutMs: 10_000,
    skip: { exec: 'not offered', archive: 'not offered' },
  });
  const byName = new Map<string, ConformanceResult>(results.map((r) => [r.scenario, r]));
  const exitCodes = byName.get('create, start and wait: exit codes 0 and 3');
  expect(exitCodes).toEqual({
    scenario: 'create, start and wait: exit codes 0 and 3', status: 'failed',
    message: 'conformance scenario "create, start and wait: exit codes 0 and 3" failed: exit code of `exit 3`: expected 3, got 0',
  });
  const removal = byName.get('remove while running, as docker rm -f: SIGKILL, the exit, then nothing is left');
  expect(removal?.status).toBe('failed');
  expect(removal?.message).toMatch(/^conformance scenario "remove while running, as docker rm -f: SIGKILL, the exit, then nothing is left" failed: processes of the removed workload are still running: pid \d+: sh -c while :; do sleep 0.1; done sockerless-conformance-[0-9a-f]{16}-child/);
  // What it does right still passes, and the declared skips say why.
  expect(byName.get('logs tail: long output arrives whole and in order')?.status).toBe('passed');
  expect(byName.get('exec: a command in a running workload, its output and exit code')).toMatchObject({ status: 'skipped', message: 'not offered' });
  // Its missing-command start fails with Node's words ("spawn ... ENOENT"), which the core cannot map to 127.
  expect(byName.get('a missing command gives Docker\'s 127')?.message).toContain('which the core cannot map to 127');
  expect(results.filter((r) => r.status === 'failed').map((r) => r.scenario)).toEqual(expect.arrayContaining([
    'create, start and wait: exit codes 0 and 3', 'remove while running, as docker rm -f: SIGKILL, the exit, then nothing is left',
    'restart: a container that exited starts again', 'concurrent containers run side by side',
  ]));
}, 180_000);

test('an optional power the driver lacks, not declared as skipped, fails and says which skip to declare', async () => {
  const results = await runConformanceScenarios({
    name: 'broken, undeclared',
    driver: (ctx) => { const d = new BrokenDriver(ctx); made.push(d); return d; },
    image: { id: 'sha256:host', ref: 'host' },
  }, (name) => name.startsWith('exec:') || name.startsWith('archive:'));
  expect(results).toEqual([
    {
      scenario: 'exec: a command in a running workload, its output and exit code', status: 'failed',
      message: 'conformance scenario "exec: a command in a running workload, its output and exit code" failed: the driver has no exec(): declare skip.exec with the reason, so the report says why',
    },
    {
      scenario: 'archive: put, stat and get a file in a running workload', status: 'failed',
      message: 'conformance scenario "archive: put, stat and get a file in a running workload" failed: the driver has no statPath(), getArchive(), putArchive(): declare skip.archive with the reason, so the report says why',
    },
  ]);
});
