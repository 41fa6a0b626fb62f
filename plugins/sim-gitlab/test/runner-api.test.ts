/**
 * The GitLab simulator's runner API with plain HTTP, as GitLab Runner calls it, and a clone of a project with
 * the real git client over smart HTTP.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_REGISTRATION_TOKEN } from '../src/defaults';
import { startGitlab, type TestGitlab } from './helpers';

let gl: TestGitlab;
beforeAll(async () => { gl = await startGitlab({ longPollMs: 300 }); });
afterAll(async () => { await gl?.close(); });

test('register with the registration token, verify, and a wrong token is 403 in GitLab\'s shape', async () => {
  const reg = await gl.api('POST', '/api/v4/runners', { token: DEFAULT_REGISTRATION_TOKEN, description: 'r1', tag_list: 'a,b' });
  expect(reg.status).toBe(201);
  const { id, token } = (await reg.json()) as { id: number; token: string };
  expect(token).toMatch(/^glrt-/);
  const verify = await gl.api('POST', '/api/v4/runners/verify', { token });
  expect(verify.status).toBe(200);
  expect(await verify.json()).toMatchObject({ id, token });
  const bad = await gl.api('POST', '/api/v4/runners/verify', { token: 'glrt-nope' });
  expect(bad.status).toBe(403);
  expect(await bad.json()).toEqual({ message: '403 Forbidden' });
  const missing = await gl.api('POST', '/api/v4/runners/verify', {});
  expect(missing.status).toBe(400);
  expect(await missing.json()).toEqual({ error: 'token is missing' });
  expect((await gl.api('POST', '/api/v4/runners', { token: 'wrong' })).status).toBe(403);
});

test('jobs/request long-polls: 204 when nothing matches its tags, 201 with the job payload when one does', async () => {
  const token = await gl.runnerToken(['docker', 'big']);
  const started = Date.now();
  const empty = await gl.api('POST', '/api/v4/jobs/request', { token, info: { name: 'test' } });
  expect(empty.status).toBe(204);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(empty.headers.get('x-gitlab-last-update')).toBeTruthy();

  await gl.submit({ tags: ['other'], script: ['true'] });
  const pending = gl.api('POST', '/api/v4/jobs/request', { token });
  const job = await gl.submit({
    tags: ['docker'], image: 'busybox:latest', services: [{ name: 'busybox:latest', alias: 'db' }], variables: { GREETING: 'hi' },
    before_script: ['echo before'], script: ['echo $GREETING'], after_script: ['echo after'], timeout: 600, artifacts: { paths: ['out/'] },
  });
  const res = await pending;
  expect(res.status).toBe(201);
  const payload = (await res.json()) as any;
  expect(payload).toMatchObject({
    id: job.id, token: expect.stringMatching(/^glcbt-/),
    image: { name: 'busybox:latest' }, services: [{ name: 'busybox:latest', alias: 'db' }],
    steps: [
      { name: 'script', script: ['echo before', 'echo $GREETING'], timeout: 600, when: 'on_success', allow_failure: false },
      { name: 'after_script', script: ['echo after'], when: 'always', allow_failure: true },
    ],
    runner_info: { timeout: 600 },
    git_info: { ref: 'main', sha: expect.stringMatching(/^[0-9a-f]{40}$/), ref_type: 'branch', repo_url: expect.stringContaining(`gitlab-ci-token:${payload.token}@127.0.0.1`) },
    artifacts: [{ paths: ['out/'], artifact_format: 'zip', artifact_type: 'archive', when: 'on_success' }],
  });
  expect(payload.variables).toEqual(expect.arrayContaining([
    { key: 'GREETING', value: 'hi', public: false, masked: false },
    { key: 'CI_JOB_ID', value: String(job.id), public: true, masked: false },
    { key: 'CI_JOB_TOKEN', value: payload.token, public: false, masked: true },
  ]));
  // Taken once: the next request finds nothing.
  expect((await gl.api('POST', '/api/v4/jobs/request', { token })).status).toBe(204);
});

async function takeJob(script: string[]): Promise<{ id: number; token: string; projectId: number }> {
  const runner = await gl.runnerToken(['t']);
  const job = await gl.submit({ tags: ['t'], script });
  const res = await gl.api('POST', '/api/v4/jobs/request', { token: runner });
  const payload = (await res.json()) as any;
  expect(payload.id).toBe(job.id);
  return { id: job.id, token: payload.token, projectId: payload.job_info.project_id };
}

const patch = (id: number, token: string, range: string, body: string) =>
  fetch(`${gl.endpoint}/api/v4/jobs/${id}/trace`, { method: 'PATCH', headers: { 'JOB-TOKEN': token, 'Content-Range': range, 'content-type': 'text/plain' }, body });

test('trace PATCH appends at the end only (416 with Range otherwise), PUT finishes it once, the trace is what was sent', async () => {
  const { id, token, projectId } = await takeJob(['echo hi']);
  let res = await patch(id, token, '0-5', 'hello\n');
  expect(res.status).toBe(202);
  expect(res.headers.get('range')).toBe('0-6');
  expect(res.headers.get('job-status')).toBe('running');
  expect(res.headers.get('x-gitlab-trace-update-interval')).toBe('1');
  res = await patch(id, token, '2-4', 'xyz');
  expect(res.status).toBe(416);
  expect(res.headers.get('range')).toBe('0-6');
  res = await patch(id, token, '6-11', 'world\n');
  expect(res.status).toBe(202);
  expect((await patch(id, 'glcbt-wrong', '12-12', 'x')).status).toBe(403);
  expect((await fetch(`${gl.endpoint}/api/v4/jobs/${id}/trace`, { method: 'PATCH', headers: { 'JOB-TOKEN': token }, body: 'x' })).status).toBe(400);

  const put = await gl.api('PUT', `/api/v4/jobs/${id}`, { token, state: 'failed', failure_reason: 'script_failure', exit_code: 3 });
  expect(put.status).toBe(200);
  expect(put.headers.get('job-status')).toBe('failed');
  // Finished: a second PUT and a PATCH are refused with the job's status, as GitLab does for a job no longer running.
  const again = await gl.api('PUT', `/api/v4/jobs/${id}`, { token, state: 'success' });
  expect(again.status).toBe(403);
  expect(again.headers.get('job-status')).toBe('failed');
  expect((await patch(id, token, '12-12', 'x')).status).toBe(403);

  const view = await gl.admin('GET', `/api/v4/projects/${projectId}/jobs/${id}`);
  expect(view.json).toMatchObject({ status: 'failed', failure_reason: 'script_failure', sockerless: { exit_code: 3, pickups: 1, completions: 1 } });
  expect((await gl.admin('GET', `/api/v4/projects/${projectId}/jobs/${id}/trace`)).text).toBe('hello\nworld\n');
});

test('a cancelled job answers its runner 403 with Job-Status: canceled on the next PATCH and PUT', async () => {
  const { id, token, projectId } = await takeJob(['sleep 100']);
  const cancel = await gl.admin('POST', `/api/v4/projects/${projectId}/jobs/${id}/cancel`);
  expect(cancel.status).toBe(201);
  expect(cancel.json.status).toBe('canceled');
  const res = await patch(id, token, '0-1', 'hi');
  expect(res.status).toBe(403);
  expect(res.headers.get('job-status')).toBe('canceled');
  const put = await gl.api('PUT', `/api/v4/jobs/${id}`, { token, state: 'success' });
  expect(put.status).toBe(403);
  expect(put.headers.get('job-status')).toBe('canceled');
});

test('artifacts upload as multipart with the job token, and download', async () => {
  const { id, token, projectId } = await takeJob(['true']);
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('PK-not-really-a-zip')]), 'artifacts.zip');
  const res = await fetch(`${gl.endpoint}/api/v4/jobs/${id}/artifacts?artifact_format=zip&artifact_type=archive`, { method: 'POST', headers: { 'JOB-TOKEN': token }, body: form });
  expect(res.status).toBe(201);
  const view = await gl.admin('GET', `/api/v4/projects/${projectId}/jobs/${id}`);
  expect(view.json.artifacts).toEqual([{ file_type: 'archive', filename: 'artifacts.zip', size: 19, file_format: 'zip' }]);
  expect((await gl.admin('GET', `/api/v4/projects/${projectId}/jobs/${id}/artifacts`)).text).toBe('PK-not-really-a-zip');
});

test('git clone over smart HTTP with the job token of a running job; refused without it', async () => {
  const project = await gl.project({ 'README.md': 'from the simulator\n', 'src/a.txt': 'a\n' });
  const runner = await gl.runnerToken(['git']);
  await gl.submit({ project_id: project.id, tags: ['git'], script: ['true'] });
  const payload = (await (await gl.api('POST', '/api/v4/jobs/request', { token: runner })).json()) as any;
  const dir = mkdtempSync(join(tmpdir(), 'sim-gitlab-clone-'));
  try {
    // Asynchronously: the simulator answers from this process.
    const git = (...args: string[]) => promisify(execFile)('git', args, { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    await git('clone', '-q', payload.git_info.repo_url, join(dir, 'w'));
    expect(readFileSync(join(dir, 'w', 'src', 'a.txt'), 'utf8')).toBe('a\n');
    expect((await git('-C', join(dir, 'w'), 'rev-parse', 'HEAD')).stdout.trim()).toBe(payload.git_info.sha);
    await expect(git('clone', '-q', `${gl.endpoint}/${project.path_with_namespace}.git`, join(dir, 'x'))).rejects.toThrow(/Authentication failed|could not read Username/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('admin routes want the admin token', async () => {
  const res = await gl.api('POST', '/api/v4/sockerless/jobs', { project_id: 1, script: ['true'] });
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ message: '401 Unauthorized' });
});
