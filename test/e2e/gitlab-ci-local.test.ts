/**
 * GitLab CI pipelines run by the real gitlab-ci-local 4.73.0, unchanged, against a private daemon. It drives
 * the docker CLI: named volumes, `docker cp` into created containers, `start --attach -i` with the job
 * script on stdin, networks with aliases for services, `rm -vf` and `volume rm` at the end.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startE2E, type E2E } from '../support/e2e';
import {
  PROJECT_DIR, checkoutFixture, headCommit, importGitlabImages, jobLines, jobVerdicts, runGitlabCiLocal, type PipelineResult,
} from '../support/gitlab-ci';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
  await importGitlabImages(e);
}, 120_000);
afterAll(async () => { await e?.dispose(); });

async function pipeline(fixture: string, args: string[] = [], dir = checkoutFixture(e, fixture)): Promise<PipelineResult> {
  return runGitlabCiLocal(e, dir, args);
}

/** Where each marker first shows up in the output; fails the test with the output if one is missing. */
function positions(r: PipelineResult, markers: string[]): number[] {
  return markers.map((m) => {
    const at = r.stdout.indexOf(m);
    if (at < 0) throw new Error(`"${m}" not in gitlab-ci-local's output:\n${r.output}`);
    return at;
  });
}

function expectSuccess(r: PipelineResult): void {
  if (r.code !== 0) throw new Error(`gitlab-ci-local exited ${r.code}:\n${r.output}\ndaemon: ${e.daemon.output().slice(-3000)}`);
}

/** gitlab-ci-local removes every container, volume and network it made once the pipeline is over. */
async function expectCleanedUp(): Promise<void> {
  expect(await e.ok(['ps', '-aq'])).toBe('');
  expect(await e.ok(['volume', 'ls', '-q'])).toBe('');
  expect(await e.ok(['network', 'ls', '-q', '--filter', 'name=gitlab-ci-local'])).toBe('');
}

test('stages run in order: every job of a stage ends before the next stage starts', async () => {
  const r = await pipeline('stages');
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({ compile: 'PASS', 'unit-tests': 'PASS', lint: 'PASS', release: 'PASS' });
  const [compileDone, unitStart, lintStart, unitDone, lintDone, releaseStart] = positions(r, [
    'compile finished in', 'unit-tests starting', 'lint starting', 'unit-tests finished in', 'lint finished in', 'release starting',
  ]);
  expect(compileDone).toBeLessThan(Math.min(unitStart, lintStart));
  expect(Math.max(unitDone, lintDone)).toBeLessThan(releaseStart);
  expect(jobLines(r.stdout, 'compile')).toEqual(['stage-marker build compile']);
  expect(jobLines(r.stdout, 'release')).toEqual(['stage-marker deploy release']);
  await expectCleanedUp();
});

test('needs: a later-stage job starts with only its needs done, alongside the earlier stage', async () => {
  const shared = join(e.daemon.dir, 'needs-shared');
  mkdirSync(shared);
  const r = await pipeline('needs-dag', ['--volume', `${shared}:/shared`]);
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({ 'build-waits': 'PASS', early: 'PASS', 'test-waits': 'PASS', 'quick-deploy': 'PASS', final: 'PASS' });
  // Each wait passes only if the deploy-stage job it waits for ran while the earlier stage was running.
  expect(jobLines(r.stdout, 'build-waits')).toEqual(['build-waits saw from-early']);
  expect(jobLines(r.stdout, 'test-waits')).toEqual(['test-waits saw from-quick-deploy']);
  expect(readFileSync(join(shared, 'quick-deploy.marker'), 'utf8')).toBe('from-quick-deploy\n');
  const [earlyStart, buildDone, deployStart, testDone, finalStart] = positions(r, [
    'early starting', 'build-waits finished in', 'quick-deploy starting', 'test-waits finished in', 'final starting',
  ]);
  expect(earlyStart).toBeLessThan(buildDone);
  expect(buildDone).toBeLessThan(deployStart);
  expect(deployStart).toBeLessThan(testDone);
  // A job without needs still waits for the whole previous stage.
  expect(testDone).toBeLessThan(finalStart);
  await expectCleanedUp();
});

test('artifacts: paths are exported to .gitlab-ci-local/artifacts and handed to the next stage, excludes and dependencies: [] respected', async () => {
  const r = await pipeline('artifacts');
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({ producer: 'PASS', consumer: 'PASS', isolated: 'PASS' });
  expect(r.stdout).toMatch(/producer exported artifacts in/);
  expect(jobLines(r.stdout, 'consumer')).toEqual(['consumer read built-by-producer and nested']);
  expect(jobLines(r.stdout, 'isolated')).toEqual(['isolated has no artifacts']);
  const exported = join(r.dir, '.gitlab-ci-local', 'artifacts', 'producer');
  expect(readFileSync(join(exported, 'dist', 'app.txt'), 'utf8')).toBe('built-by-producer\n');
  expect(readFileSync(join(exported, 'dist', 'sub', 'deep.txt'), 'utf8')).toBe('nested\n');
  expect(existsSync(join(exported, 'dist', 'debug.log'))).toBe(false);
  expect(existsSync(join(exported, 'reports'))).toBe(false);
  await expectCleanedUp();
});

test('cache: a key shared by two jobs, and a cache that carries over to the next pipeline run', async () => {
  const dir = checkoutFixture(e, 'cache');
  const first = await pipeline('cache', [], dir);
  expectSuccess(first);
  expect(jobVerdicts(first.output)).toEqual({ fill: 'PASS', use: 'PASS', counter: 'PASS' });
  expect(jobLines(first.stdout, 'use')).toEqual(['use found lib-from-fill']);
  expect(jobLines(first.stdout, 'counter')).toEqual(['run number 1']);
  const cacheDir = join(dir, '.gitlab-ci-local', 'cache');
  expect(readFileSync(join(cacheDir, 'deps-v1', 'vendor', 'lib.txt'), 'utf8')).toBe('lib-from-fill\n');
  expect(readFileSync(join(cacheDir, 'runs', '.runs', 'count'), 'utf8')).toBe('1\n');

  const second = await pipeline('cache', ['counter'], dir);
  expectSuccess(second);
  expect(jobLines(second.stdout, 'counter')).toEqual(['run number 2']);
  expect(readFileSync(join(cacheDir, 'runs', '.runs', 'count'), 'utf8')).toBe('2\n');
  await expectCleanedUp();
});

test('services: a health-checked web service and a second service, reached by their aliases', async () => {
  const r = await pipeline('services');
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({ 'fetch-page': 'PASS' });
  expect(r.stdout).toMatch(/started service image: gcl-web:1 with aliases: web/);
  expect(r.stdout).toMatch(/service image: gcl-web:1 healthcheck passed/);
  expect(jobLines(r.stdout, 'fetch-page')).toEqual(['hello-from-web-service', 'echo-svc said pong-from-echo-svc']);
  await expectCleanedUp();
});

test('variables: global, job and CLI variables, expansion, and the predefined CI_* set', async () => {
  const dir = checkoutFixture(e, 'variables');
  const sha = headCommit(e, dir);
  const r = await pipeline('variables', ['--variable', 'FROM_CLI=cli-value'], dir);
  expectSuccess(r);
  expect(jobLines(r.stdout, 'show-vars')).toEqual([
    'greeting=hello world',
    'overridden=from-job',
    'job-only=job sees world',
    'nested=hello world and project',
    'from-cli=cli-value',
    'ci=true',
    'job=show-vars stage=test',
    `project=project path=group/project dir=${PROJECT_DIR}`,
    'branch=main ref=main',
    `sha=${sha} short=${sha.slice(0, 8)}`,
    `pwd=${PROJECT_DIR}`,
  ]);
  expect(jobLines(r.stdout, 'other-job')).toEqual(['other overridden=from-global job-only=[]']);
  await expectCleanedUp();
});

test('allow_failure: failing jobs are warnings, the next stage runs and the pipeline passes', async () => {
  const r = await pipeline('allow-failure');
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({ flaky: 'WARN', 'known-exit-code': 'WARN', solid: 'PASS', report: 'PASS' });
  expect(r.stderr).toMatch(/flaky finished in .* WARN 1/);
  expect(r.stderr).toMatch(/known-exit-code finished in .* WARN 42/);
  expect(jobLines(r.stdout, 'flaky')).toEqual(['flaky is about to fail']);
  expect(jobLines(r.stdout, 'report')).toEqual(['report ran after allowed failures']);
  await expectCleanedUp();
});

test('a failing job without allow_failure fails the pipeline with a non-zero exit and stops later stages', async () => {
  const r = await pipeline('hard-failure');
  expect(r.code).not.toBe(0);
  expect(jobVerdicts(r.output)).toMatchObject({ broken: 'FAIL', sibling: 'PASS' });
  expect(r.stderr).toMatch(/broken finished in .* FAIL 7/);
  expect(jobLines(r.stdout, 'broken')).toEqual(['broken starts', 'broken exits 7']);
  expect(jobLines(r.stdout, 'sibling')).toEqual(['sibling passed']);
  expect(r.output).not.toContain('deploy starting');
  expect(r.output).not.toContain('deploy must not run');
  await expectCleanedUp();
});

test('before_script and after_script: defaults, overrides, after_script after a failure and a failing after_script', async () => {
  const r = await pipeline('scripts-hooks');
  expectSuccess(r);
  // A failing after_script does not fail the job; gitlab-ci-local shows it as a warning.
  expect(jobVerdicts(r.output)).toEqual({ 'uses-default-hooks': 'PASS', 'own-hooks-failing': 'WARN', 'after-script-fails': 'WARN' });
  // after_script is a new shell: it sees files and the job status, not the script's shell variables.
  expect(jobLines(r.stdout, 'uses-default-hooks')).toEqual([
    'default before_script for uses-default-hooks',
    'script sees SHELL_VAR=set-in-before',
    'after_script sees status=success shell_var=[] file=written by script',
  ]);
  expect(jobLines(r.stdout, 'own-hooks-failing')).toEqual([
    'own before_script', 'script about to fail', 'after_script still ran with status=failed',
  ]);
  expect(r.stderr).toMatch(/own-hooks-failing finished in .* WARN 5/);
  expect(jobLines(r.stdout, 'after-script-fails')).toEqual(['default before_script for after-script-fails', 'main script fine', 'after_script fails']);
  expect(r.stderr).toMatch(/after-script-fails finished in .* WARN 3 +after_script/);
  await expectCleanedUp();
});

test('image entrypoints: kept around the job shell, reset with entrypoint [""], replaced with arguments', async () => {
  const r = await pipeline('entrypoint');
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({
    'image-entrypoint-kept': 'PASS', 'entrypoint-reset': 'PASS', 'entrypoint-replaced': 'PASS', 'entrypoint-not-overridden': 'WARN',
  });
  expect(jobLines(r.stdout, 'image-entrypoint-kept')).toEqual(['wrapped=yes']);
  expect(jobLines(r.stdout, 'entrypoint-reset')).toEqual(['reset entrypoint works']);
  expect(jobLines(r.stdout, 'entrypoint-replaced')).toEqual(['via=override-entrypoint']);
  // /bin/false as the entrypoint swallows the shell: the script never runs and the job fails with 1.
  expect(jobLines(r.stdout, 'entrypoint-not-overridden')).toEqual([]);
  expect(r.stderr).toMatch(/entrypoint-not-overridden finished in .* WARN 1/);
  await expectCleanedUp();
});

test('parallel: matrix and parallel: N expand into one job per cell', async () => {
  const r = await pipeline('matrix');
  expectSuccess(r);
  const cells = [['aws', 'app'], ['aws', 'db'], ['gcp', 'app'], ['gcp', 'db']];
  const verdicts = jobVerdicts(r.output);
  for (const [provider, stack] of cells) {
    const job = `deploy: [${provider},${stack}]`;
    expect(verdicts[job]).toBe('PASS');
    expect(jobLines(r.stdout, job)).toEqual([`matrix-cell provider=${provider} stack=${stack}`]);
  }
  for (const n of [1, 2, 3]) {
    expect(verdicts[`shard: [${n}/3]`]).toBe('PASS');
    expect(jobLines(r.stdout, `shard: [${n}/3]`)).toEqual([`shard ${n} of 3`]);
  }
  expect(Object.keys(verdicts)).toHaveLength(7);
  await expectCleanedUp();
});

test('rules (if, exists, rule variables) and when: manual pick the jobs that run', async () => {
  const dir = checkoutFixture(e, 'rules');
  const plain = await pipeline('rules', [], dir);
  expectSuccess(plain);
  expect(jobVerdicts(plain.output)).toEqual({ 'on-main': 'PASS', 'if-file-exists': 'PASS' });
  expect(jobLines(plain.stdout, 'on-main')).toEqual(['on-main ran']);
  expect(plain.output).not.toContain('manual-deploy ran');

  const flagged = await pipeline('rules', ['--variable', 'RUN_EXTRA=yes', '--manual', 'manual-deploy'], dir);
  expectSuccess(flagged);
  expect(jobVerdicts(flagged.output)).toEqual({
    'on-main': 'PASS', 'if-file-exists': 'PASS', 'when-flag-set': 'PASS', 'manual-deploy': 'PASS',
  });
  expect(jobLines(flagged.stdout, 'when-flag-set')).toEqual(['when-flag-set ran because flag']);
  expect(jobLines(flagged.stdout, 'manual-deploy')).toEqual(['manual-deploy ran']);
  await expectCleanedUp();
});

test('job images differ per job; multi-line scripts run with set -eo pipefail and report the exit code', async () => {
  const r = await pipeline('images-scripts');
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({ 'on-alpine': 'PASS', 'on-toolbox': 'PASS', pipefail: 'WARN', 'exit-code-of-last-command': 'WARN' });
  expect(jobLines(r.stdout, 'on-alpine')).toEqual(['alpine']);
  expect(jobLines(r.stdout, 'on-toolbox')).toEqual(['toolbox', 'block sum=10', 'folded into one line', 'branch taken']);
  expect(jobLines(r.stdout, 'pipefail')).toEqual(['before the failing pipe']);
  expect(r.stderr).toMatch(/pipefail finished in .* WARN 1/);
  expect(jobLines(r.stdout, 'exit-code-of-last-command')).toEqual(['multi-line block exits 3']);
  expect(r.stderr).toMatch(/exit-code-of-last-command finished in .* WARN 3/);
  await expectCleanedUp();
});

test('include: local, extends chains and !reference compose jobs from templates', async () => {
  const r = await pipeline('extends-include');
  expectSuccess(r);
  expect(jobVerdicts(r.output)).toEqual({ 'build-app': 'PASS', 'test-app': 'PASS' });
  expect(jobLines(r.stdout, 'build-app')).toEqual(['building app at level base']);
  expect(jobLines(r.stdout, 'test-app')).toEqual(['shared step from include', 'testing with LEVEL=test']);
  expect(r.stdout).toMatch(/test-app starting alpine:latest \(test\)/);
  await expectCleanedUp();
});
