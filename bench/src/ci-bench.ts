/**
 * The CI figure (issue 17): from a GitHub Actions job queued on the GitHub simulator to its runner container
 * running, with ci-github on backend-local. The simulator runs as its own process (`sockerless simulator
 * github`) and signs a `workflow_job` webhook to the daemon's TCP listener; the clock stops at the Docker
 * `start` event of the runner container (its `timeNano`, the daemon's clock on the same host). Jobs go one at
 * a time, each waited for to completion, so the figure is the latency a CI user feels on an idle fleet.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { STAND_IN_RUNNER_COMMAND } from '@sockerless/plugin-sim-github';
import { socketOf } from './api';
import { importBusybox, REPO_ROOT, sockerlessMainOf, startSockerless } from './engines';
import { summarize, type Stats } from './measure';
import type { Teardown } from './teardown';

export const CI_GOAL_P99_MS = 300;
export const CI_JOBS = 20;
const SECRET = 'bench-secret';
const LABELS = ['self-hosted', 'linux', 'big'];

export interface CiLatency {
  queueToRunning: Stats;
  goalMs: number;
  goalMet: boolean;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

/** `sockerless simulator CLOUD` on an ephemeral port; resolves with its endpoint. */
export async function startSimulator(dir: string, teardown: Teardown, cloud: 'github' | 'gitlab' = 'github'): Promise<string> {
  const child = spawn(process.execPath, [sockerlessMainOf(REPO_ROOT), 'simulator', cloud, '--listen', 'tcp://127.0.0.1:0', '--home', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  teardown.add(() => new Promise<void>((resolve) => { if (child.exitCode !== null) return resolve(); child.once('exit', () => resolve()); child.kill('SIGTERM'); }));
  return new Promise((resolve, reject) => {
    let out = '';
    const banner = new RegExp(`${cloud.toUpperCase()} simulator: (http:\\/\\/\\S+)`);
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); const m = banner.exec(out); if (m) resolve(m[1]); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => reject(new Error(`the ${cloud} simulator exited with ${code}:\n${out}`)));
  });
}

async function sim(endpoint: string, method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${endpoint}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A coordinator's containers' first `start` event per job id, with the daemon's timestamp in ms. */
export function startEvents(socketPath: string, coordinator: 'github' | 'gitlab' = 'github'): { startedAt: Map<string, number>; next(jobId: string): Promise<number>; close(): void } {
  const startedAt = new Map<string, number>();
  const waiting = new Map<string, (ms: number) => void>();
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start'], label: [`com.sockerless.ci.coordinator=${coordinator}`] }));
  const req = request({ socketPath, path: `/events?filters=${filters}` }, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const ev = JSON.parse(buf.slice(0, nl)) as { timeNano: number; Actor: { Attributes: Record<string, string> } };
        buf = buf.slice(nl + 1);
        const job = ev.Actor.Attributes['com.sockerless.ci.job'];
        if (startedAt.has(job)) continue;
        startedAt.set(job, ev.timeNano / 1e6);
        waiting.get(job)?.(ev.timeNano / 1e6);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return {
    startedAt,
    next: (jobId) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`job ${jobId}: no runner started within 30 s`)), 30_000);
      const done = (ms: number) => { clearTimeout(t); resolve(ms); };
      if (startedAt.has(jobId)) done(startedAt.get(jobId)!);
      else waiting.set(jobId, done);
    }),
    close: () => req.destroy(),
  };
}

async function untilCompleted(endpoint: string, id: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await sim(endpoint, 'GET', `/_sim/jobs/${id}`);
    if (job.status === 'completed') {
      if (job.conclusion !== 'success') throw new Error(`job ${id} concluded ${job.conclusion}: ${job.log}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`job ${id} did not complete within 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function measureCiLatency(workDir: string, tarball: string, jobs: number, teardown: Teardown, log: (msg: string) => void): Promise<CiLatency> {
  const endpoint = await startSimulator(join(workDir, 'ci-sim'), teardown);
  const app = await sim(endpoint, 'GET', '/_sim/app');
  const keyFile = join(workDir, 'ci-app-key.pem');
  writeFileSync(keyFile, app.privateKey, { mode: 0o600 });
  const port = await freePort();
  await sim(endpoint, 'PUT', '/_sim/hook', { url: `http://127.0.0.1:${port}/internal/ci/github/webhook`, secret: SECRET });
  const options = {
    baseUrl: endpoint,
    auth: { appId: app.appId, installationId: app.installationId, privateKeyFile: keyFile },
    runners: { repository: 'bench/app' },
    webhook: { secret: SECRET },
    runnerGroups: { big: { labels: LABELS, image: 'busybox:latest', command: STAND_IN_RUNNER_COMMAND, pool: 'big', maxRunners: 4, networkMode: 'host' } },
  };
  const config = `export default ${JSON.stringify({
    plugins: ['store-sqlite', 'backend-local', 'pools', { plugin: 'ci-github', options }],
    backends: { local: { driver: 'local' } },
    pools: { default: { backends: ['local'] }, big: { backends: ['local'], maxConcurrency: 8, queueSize: 64 } },
    defaultPool: 'default',
  })};\n`;
  const daemon = await startSockerless(workDir, { label: 'ours-ci', subdir: 'ci', config, extraArgs: ['--listen', `tcp://127.0.0.1:${port}`] });
  teardown.add(() => daemon.stop());
  const events = startEvents(socketOf(daemon.target));
  try {
    await importBusybox(daemon, tarball);
    const samples: number[] = [];
    // Two warm-up jobs: the first container start builds the live-restore monitor, the first job buys a token.
    for (let i = -2; i < jobs; i++) {
      const queuedAt = Date.now();
      const job = await sim(endpoint, 'POST', '/_sim/jobs', { repo: 'bench/app', labels: LABELS, script: 'true' });
      const ms = (await events.next(String(job.id))) - queuedAt;
      await untilCompleted(endpoint, job.id);
      if (i >= 0) { samples.push(ms); log(`ci job ${i + 1}/${jobs}: queued to runner running ${ms.toFixed(1)} ms`); }
    }
    const stats = summarize(samples);
    return { queueToRunning: stats, goalMs: CI_GOAL_P99_MS, goalMet: stats.p99 < CI_GOAL_P99_MS };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ci daemon log (tail) ---\n${daemon.logTail(30)}`);
  } finally {
    events.close();
    await daemon.stop();
  }
}
