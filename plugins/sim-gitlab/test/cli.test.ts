/**
 * `sockerless simulator gitlab` as its own process (the built CLI), driven by `sockerless gitlab-sim`; a
 * restart on the same home and port keeps its runners, projects and jobs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DAEMON_MAIN } from '../../../test/support/daemon';

let dir: string;
let child: ChildProcess | undefined;
let output = '';

function launch(listen: string): Promise<string> {
  const offset = output.length;
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [DAEMON_MAIN, 'simulator', 'gitlab', '--listen', listen, '--home', join(dir, 'home')], {
      env: { ...process.env, SOCKERLESS_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /GITLAB simulator: (http:\/\/\S+)\n/.exec(output.slice(offset));
      if (m) resolve(m[1]);
    });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('exit', (code, signal) => reject(new Error(`the simulator exited (${code ?? signal}) before it was ready:\n${output.slice(-3000)}`)));
  });
}

async function stop(): Promise<void> {
  const c = child;
  child = undefined;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM'); });
}

const cli = async (url: string, ...args: string[]) => JSON.parse((await promisify(execFile)(process.execPath, [DAEMON_MAIN, 'gitlab-sim', '--url', url, ...args])).stdout);

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-sim-gitlab-cli-')); });
afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

test('standalone: a runner token, a project, a job taken by a runner, and a restart that keeps them', async () => {
  const url = await launch('tcp://127.0.0.1:0');
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

  await stop();
  await launch(url.replace('http://', 'tcp://'));
  expect(await cli(url, 'job', String(project.id), String(job.id))).toMatchObject({ id: job.id, status: 'canceled', sockerless: { pickups: 1 } });
  const verify = await fetch(`${url}/api/v4/runners/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: runner.token }) });
  expect(verify.status).toBe(200);
});
