/**
 * ci-github end to end, offline: the GitHub simulator (`sockerless simulator github`, its own process) queues
 * workflow jobs and signs webhooks; the daemon (ci-github + pools + backend-local) turns each into a runner
 * container from busybox running the stand-in runner, which takes a job from the simulator, runs it and
 * reports. What is asserted is what GitHub and the daemon say: job conclusions, assignments, Docker events.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { eventually } from '../support/aws';
import { DAEMON_MAIN } from '../support/daemon';
import type { E2E } from '../support/e2e';
import { mostAtOnce, runnerEvents, startCiGitHub, type CiGitHubRig } from '../support/github-sim';

jest.setTimeout(240_000);

const BIG = ['self-hosted', 'linux', 'big'];
let rig: CiGitHubRig;
let gh: CiGitHubRig['gh'];
let e: E2E;

beforeAll(async () => {
  rig = await startCiGitHub('sockerless-ci-github-', { pickupTimeoutMs: 5_000 });
  ({ gh, e } = rig);
}, 240_000);
afterAll(async () => { await rig?.dispose(); });

const runnerContainers = async () => (await e.ok(['ps', '-aq', '--filter', 'label=com.sockerless.ci.coordinator=github'])).split('\n').filter(Boolean);
const completed = (id: number) => eventually(`job ${id} completed`, async () => { const j = await gh.job(id); return j.status === 'completed' && j; });

test('a job labelled self-hosted, linux, big gets a runner in pool big, completes, and its container goes', async () => {
  const events = runnerEvents(e.daemon.socket);
  try {
    const job = await gh.enqueue(BIG, 'echo built by $(hostname); exit 0');
    await events.until('runner start', (s) => s.some((ev) => ev.Action === 'start' && ev.Actor.Attributes['com.sockerless.ci.job'] === String(job.id)));
    const started = events.seen.find((ev) => ev.Action === 'start')!;
    // How soon (the issue asks: within a second) is the bench's CI figure, not a timed test: p99 65 ms on a quiet machine.
    expect(started.Actor.Attributes['com.sockerless.pool']).toBe('big');
    const done = await completed(job.id);
    expect(done).toMatchObject({ conclusion: 'success', assignments: 1, exit_code: 0 });
    expect(done.log).toContain('built by');
    await events.until('runner destroyed', (s) => s.some((ev) => ev.Action === 'destroy'));
    expect(await runnerContainers()).toEqual([]);
    expect(await gh.runners()).toEqual([]);
  } finally {
    events.close();
  }
});

test('ten jobs against a group of max 3 runners: never more than 3 at once, all ten complete once', async () => {
  const events = runnerEvents(e.daemon.socket);
  try {
    const jobs = await Promise.all(Array.from({ length: 10 }, (_, i) => gh.enqueue(BIG, `echo job ${i}; sleep 0.3`)));
    const results = await Promise.all(jobs.map((j) => completed(j.id)));
    expect(results.map((r) => [r.conclusion, r.assignments])).toEqual(Array(10).fill(['success', 1]));
    await eventually('no runner container left', async () => (await runnerContainers()).length === 0);
    expect(mostAtOnce(events.seen)).toBeLessThanOrEqual(3);
    expect(mostAtOnce(events.seen)).toBeGreaterThan(1);
  } finally {
    events.close();
  }
});

test('the same webhook delivered twice starts one runner', async () => {
  const events = runnerEvents(e.daemon.socket);
  try {
    const job = await gh.enqueue(BIG, 'sleep 1');
    const first = await eventually('the queued delivery', async () => (await gh.deliveries()).find((d) => d.jobId === job.id && d.action === 'queued' && d.statusCode === 202));
    await gh.redeliver(first.id);
    await eventually('the redelivery answered', async () => (await gh.deliveries()).some((d) => d.redelivery && d.guid === first.guid && d.statusCode === 202));
    await completed(job.id);
    await eventually('no runner container left', async () => (await runnerContainers()).length === 0);
    expect(events.seen.filter((ev) => ev.Action === 'create' && ev.Actor.Attributes['com.sockerless.ci.job'] === String(job.id))).toHaveLength(1);
    expect(e.daemon.output()).not.toContain('webhook refused');
  } finally {
    events.close();
  }
});

test('a bad signature is refused with 401 and logged', async () => {
  const body = JSON.stringify({ action: 'queued', workflow_job: { id: 1, labels: BIG }, repository: { full_name: 'acme/app' } });
  const wrong = `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`;
  const res = await fetch(rig.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_job', 'x-github-delivery': 'bad-1', 'x-hub-signature-256': wrong }, body });
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ message: 'signature does not match' });
  const unsigned = await fetch(rig.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_job' }, body });
  expect(unsigned.status).toBe(401);
  // The signature is checked before the body is read: garbage is refused as unsigned, not as bad JSON.
  const garbage = await fetch(rig.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_job', 'x-hub-signature-256': wrong }, body: '{not json' });
  expect(garbage.status).toBe(401);
  await eventually('the refusal logged', async () => e.daemon.output().includes('GitHub webhook refused') && e.daemon.output().includes('bad-1'));
});

test('a job cancelled before pickup removes its runner; a runner that never picks up is reaped', async () => {
  const events = runnerEvents(e.daemon.socket);
  try {
    const cancelled = await gh.enqueue(['self-hosted', 'linux', 'idle']);
    await events.until('idle runner started', (s) => s.some((ev) => ev.Action === 'start' && ev.Actor.Attributes['com.sockerless.ci.job'] === String(cancelled.id)));
    await gh.cancel(cancelled.id);
    await events.until('cancelled job runner destroyed', (s) => s.some((ev) => ev.Action === 'destroy' && ev.Actor.Attributes['com.sockerless.ci.job'] === String(cancelled.id)));
    expect(await gh.runners()).toEqual([]);

    const stuck = await gh.enqueue(['self-hosted', 'linux', 'idle']);
    await events.until('stuck runner started', (s) => s.some((ev) => ev.Action === 'start' && ev.Actor.Attributes['com.sockerless.ci.job'] === String(stuck.id)));
    const startedAt = Date.now();
    await events.until('stuck runner reaped', (s) => s.some((ev) => ev.Action === 'destroy' && ev.Actor.Attributes['com.sockerless.ci.job'] === String(stuck.id)), 30_000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(4_000);
    expect(e.daemon.output()).toContain('never picked up a job');
    await gh.cancel(stuck.id);
    await eventually('no runner container left', async () => (await runnerContainers()).length === 0, 20_000).catch(async (err: Error) => {
      const status = await e.docker(['ps', '-a', '--filter', 'label=com.sockerless.ci.coordinator=github']);
      throw new Error(`${err.message}\n${status.stdout}\n${e.daemon.output().slice(-4000)}`);
    });
  } finally {
    events.close();
  }
});

test('sockerless status shows the coordinator\'s jobs and runners; github-sim enqueue queues a job from the CLI', async () => {
  const cli = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [DAEMON_MAIN, ...args], { env: { ...process.env, SOCKERLESS_GITHUB_SIM: rig.sim.endpoint } }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
  const queued = await cli(['github-sim', 'enqueue', '--repo', 'acme/app', '--labels', BIG.join(','), '--script', 'echo from the cli']);
  expect(queued.code).toBe(0);
  const job = JSON.parse(queued.stdout) as { id: number; labels: string[] };
  expect(job.labels).toEqual(BIG);
  expect(await completed(job.id)).toMatchObject({ conclusion: 'success', log: 'from the cli\n' });
  const status = await cli(['status', '--host', e.daemon.dockerHost]);
  expect(status.stdout).toContain('GitHub Actions runners');
  expect(status.stdout).toMatch(/jobs: \d+ queued, \d+ in progress, \d+ completed/);
});
