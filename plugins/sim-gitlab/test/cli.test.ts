/**
 * `sockerless simulator gitlab` as its own process (the built CLI), driven by `sockerless gitlab-sim`; a
 * restart on the same home and port keeps its runners, projects and jobs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSimulatorProcess, type SimulatorProcess } from '../../../test/support/aws';
import { DAEMON_MAIN } from '../../../test/support/daemon';

let dir: string;
let sim: SimulatorProcess | undefined;

const cli = async (url: string, ...args: string[]) => JSON.parse((await promisify(execFile)(process.execPath, [DAEMON_MAIN, 'gitlab-sim', '--url', url, ...args])).stdout);

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-sim-gitlab-cli-')); });
afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('standalone: a runner token, a project, a job taken by a runner, and a restart that keeps them', async () => {
  sim = await startSimulatorProcess({ dir, cloud: 'gitlab' });
  const url = sim.endpoint;
  const runner = await cli(url, 'runner-token', '--tag', 'docker');
  expect(runner.token).toMatch(/^glrt-/);
  writeFileSync(join(dir, 'README.md'), 'hi\n');
  const project = await cli(url, 'project', 'group/app', join(dir, 'README.md'));
  const job = await cli(url, 'submit', '--project', String(project.id), '--tag', 'docker', '--image', 'busybox:latest', '--service', 'busybox:latest=db', '--variable', 'A=b', '--script', 'echo hi');
  expect(job).toMatchObject({ status: 'pending', tag_list: ['docker'] });
  const res = await fetch(`${url}/api/v4/jobs/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: runner.token }) });
  const payload = await res.json() as { id: number; services: unknown[]; token: string };
  expect(payload).toMatchObject({ id: job.id, services: [{ name: 'busybox:latest', alias: 'db' }] });
  const cancelled = await cli(url, 'cancel', String(project.id), String(job.id));
  expect(cancelled.status).toBe('canceled');

  await sim.stop();
  await sim.restart();
  expect(await cli(url, 'job', String(project.id), String(job.id))).toMatchObject({ id: job.id, status: 'canceled', sockerless: { pickups: 1 } });
  const verify = await fetch(`${url}/api/v4/runners/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: runner.token }) });
  expect(verify.status).toBe(200);
});
