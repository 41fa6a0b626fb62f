/**
 * ci-gitlab end to end, offline: the GitLab simulator hands out jobs; the daemon's built-in runner runs each as
 * GitLab Runner's docker executor does (network, services by alias, build container, sources, exec'd scripts)
 * and reports the trace and result. What is asserted is what GitLab (the simulator) and the daemon say.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { eventually } from '../support/aws';
import { DAEMON_MAIN } from '../support/daemon';
import { startCiGitLab, type CiGitLabRig } from '../support/gitlab-sim';

jest.setTimeout(240_000);

let rig: CiGitLabRig;
beforeAll(async () => { rig = await startCiGitLab('sockerless-ci-gitlab-'); }, 240_000);
afterAll(async () => { await rig?.dispose(); });

/** The simulator's ids are one sequence: the project of the jobs is the second thing made, after the runner. */
let projectId = 0;
const jobPath = (id: number) => `/api/v4/projects/${projectId}/jobs/${id}`;
const submit = async (spec: Parameters<CiGitLabRig['gl']['submit']>[0]) => {
  const view = (await rig.gl.submit(spec)) as { id: number; project: { id: number } };
  projectId = view.project.id;
  return view;
};
const job = async (id: number) => (await rig.gl.admin('GET', jobPath(id))).json;
const trace = async (id: number) => (await rig.gl.admin('GET', `${jobPath(id)}/trace`)).text;
const finished = (id: number, timeoutMs = 60_000) => eventually(`job ${id} finished`, async () => {
  const j = await job(id);
  return ['success', 'failed', 'canceled'].includes(j.status) && j;
}, timeoutMs);

test('a job with a service reaches it by its alias and passes; its containers and network go', async () => {
  const { id } = await submit({
    tags: ['docker'], image: 'busybox:latest',
    services: [{ name: 'busybox:latest', alias: 'db', entrypoint: ['/bin/sh', '-c'], command: ['mkdir -p /www && echo pong > /www/index.html && exec httpd -f -p 8080 -h /www'] }],
    script: ['for i in $(seq 1 100); do r=$(wget -qO- http://db:8080/ 2>/dev/null) && break; sleep 0.1; done', 'echo "service said $r"', 'cat README.md', 'echo to-stderr >&2'],
  });
  const done = await finished(id);
  expect(done).toMatchObject({ status: 'success', sockerless: { pickups: 1, completions: 1 } });
  const text = await trace(id);
  expect(text).toContain('service said pong');
  expect(text).toContain('hello');
  // stderr goes to the trace too (its order against stdout is not kept, as with two pipes in Docker).
  expect(text).toContain('to-stderr');
  await eventually('no container or network left', async () => (await rig.containers(id)).length === 0 && (await rig.networks()).length === 0);
});

test('the trace on GitLab is what the script printed; a failing script reports failed with its exit code', async () => {
  const { id } = await submit({ tags: ['docker'], before_script: ['echo one'], script: ['echo two', 'printf three', 'exit 3', 'echo never'], after_script: ['echo after'] });
  const done = await finished(id);
  expect(done).toMatchObject({ status: 'failed', failure_reason: 'script_failure', sockerless: { exit_code: 3, completions: 1 } });
  expect(await trace(id)).toBe('one\ntwo\nthreeafter\n');
});

test('a cancelled job stops its containers', async () => {
  const { id } = await submit({
    tags: ['docker'], services: [{ name: 'busybox:latest', alias: 'sidecar', entrypoint: ['sleep'], command: ['600'] }], script: ['echo started', 'sleep 600'],
  });
  await eventually('the job started', async () => (await trace(id)).includes('started'));
  const containers = await rig.containers(id);
  expect(containers.length).toBe(2);
  // `sockerless status` shows the runner busy with it (ci-gitlab's section, from /internal/ci/gitlab).
  const status = await promisify(execFile)(process.execPath, [DAEMON_MAIN, 'status', '--host', rig.e.daemon.dockerHost]);
  expect(status.stdout).toContain('GitLab runners');
  expect(status.stdout).toContain(`docker  tags docker  pool big  1/3 jobs (${id})`);
  // Both in the pool of the runner's tag set.
  expect((await rig.e.ok(['inspect', '--format', '{{index .Config.Labels "com.sockerless.pool"}}', ...containers])).split('\n')).toEqual(['big', 'big']);
  expect((await rig.gl.admin('POST', `${jobPath(id)}/cancel`)).json.status).toBe('canceled');
  await eventually('its containers gone', async () => (await rig.containers(id)).length === 0, 15_000);
  expect((await job(id)).status).toBe('canceled');
});

test('a job past its timeout fails with job_execution_timeout', async () => {
  const { id } = await submit({ tags: ['docker'], timeout: 2, script: ['sleep 60'] });
  const done = await finished(id);
  expect(done).toMatchObject({ status: 'failed', failure_reason: 'job_execution_timeout' });
  await eventually('its containers gone', async () => (await rig.containers(id)).length === 0);
});

test('artifacts are uploaded as a zip and a dependent job gets them; a file-type variable is a file', async () => {
  const { id } = await submit({
    tags: ['docker'], variables: { SETTINGS: { value: 'from-a-file-variable', file: true } },
    script: ['mkdir -p out', 'echo result > out/result.txt', 'cat "$SETTINGS"; echo " at $SETTINGS"'], artifacts: { paths: ['out/'] },
  });
  expect((await finished(id)).status).toBe('success');
  // A file-type variable is the path of a file holding its value, beside the project dir.
  expect(await trace(id)).toMatch(/from-a-file-variable at \/builds\/group\/project-\d+\.tmp\/SETTINGS/);
  const view = await job(id);
  expect(view.artifacts).toEqual([expect.objectContaining({ file_type: 'archive', file_format: 'zip' })]);
  const zip = (await rig.gl.admin('GET', `${jobPath(id)}/artifacts`)).text;
  expect(zip.startsWith('PK')).toBe(true);
  expect(zip).toContain('out/result.txt');
  expect(zip).toContain('result\n');
  // A later job that depends on it finds the files in its project dir.
  const later = await submit({ tags: ['docker'], dependencies: [id], script: ['cat out/result.txt'] });
  expect((await finished(later.id)).status).toBe('success');
  expect(await trace(later.id)).toBe(`Downloading artifacts for job (${id})...\nresult\n`);
});

