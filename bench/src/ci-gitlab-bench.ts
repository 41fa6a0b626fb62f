/**
 * The CI figure for GitLab (issue 17): from a job submitted on the GitLab simulator to its build container
 * running, with ci-gitlab on backend-local. The simulator runs as its own process (`sockerless simulator
 * gitlab`); the runner's long poll is already waiting when a job comes, as on a GitLab with Workhorse; the
 * clock stops at the Docker `start` event of the job's first container (its `timeNano`, same host). Jobs go
 * one at a time, each waited for to completion.
 */
import { join } from 'node:path';
import { CI_GOAL_P99_MS, startEvents, startSimulator, type CiLatency } from './ci-bench';
import { socketOf } from './api';
import { importBusybox, startSockerless } from './engines';
import { summarize } from './measure';
import type { Teardown } from './teardown';

/** sim-gitlab's default admin token (plugins/sim-gitlab/src/defaults.ts). */
const ADMIN_TOKEN = 'glpat-sockerless-simulator';

async function admin(endpoint: string, method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${endpoint}${path}`, { method, headers: { 'PRIVATE-TOKEN': ADMIN_TOKEN, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function untilSucceeded(endpoint: string, projectId: number, id: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await admin(endpoint, 'GET', `/api/v4/projects/${projectId}/jobs/${id}`);
    if (job.status === 'success') return;
    if (job.status === 'failed' || job.status === 'canceled') {
      throw new Error(`job ${id} ended ${job.status}: ${await (await fetch(`${endpoint}/api/v4/projects/${projectId}/jobs/${id}/trace`, { headers: { 'PRIVATE-TOKEN': ADMIN_TOKEN } })).text()}`);
    }
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish within 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function measureGitLabCiLatency(workDir: string, tarball: string, jobs: number, teardown: Teardown, log: (msg: string) => void): Promise<CiLatency> {
  const endpoint = await startSimulator(join(workDir, 'ci-gitlab-sim'), teardown, 'gitlab');
  const runner = await admin(endpoint, 'POST', '/api/v4/user/runners', { tag_list: ['docker'], run_untagged: false });
  const project = await admin(endpoint, 'POST', '/api/v4/sockerless/projects', { path: 'bench/app', files: { 'README.md': 'bench\n' } });
  const options = {
    url: endpoint,
    dockerHost: 'unix://./sockerless.sock',
    runners: [{ name: 'docker', token: runner.token, tags: ['docker'], pool: 'big', concurrency: 2, defaultImage: 'busybox:latest' }],
  };
  const config = `export default ${JSON.stringify({
    plugins: ['store-sqlite', 'backend-local', 'pools', { plugin: 'ci-gitlab', options }],
    backends: { local: { driver: 'local' } },
    pools: { default: { backends: ['local'] }, big: { backends: ['local'], maxConcurrency: 8, queueSize: 64 } },
    defaultPool: 'default',
  })};\n`;
  const daemon = await startSockerless(workDir, { label: 'ours-ci-gitlab', subdir: 'ci-gitlab', config });
  teardown.add(() => daemon.stop());
  const events = startEvents(socketOf(daemon.target), 'gitlab');
  try {
    await importBusybox(daemon, tarball);
    const samples: number[] = [];
    // Two warm-up jobs: the first container start builds the live-restore monitor.
    for (let i = -2; i < jobs; i++) {
      const queuedAt = Date.now();
      const job = await admin(endpoint, 'POST', '/api/v4/sockerless/jobs', { project_id: project.id, tags: ['docker'], script: ['true'] });
      const ms = (await events.next(String(job.id))) - queuedAt;
      await untilSucceeded(endpoint, project.id, job.id);
      if (i >= 0) { samples.push(ms); log(`ci-gitlab job ${i + 1}/${jobs}: queued to build container running ${ms.toFixed(1)} ms`); }
    }
    const stats = summarize(samples);
    return { queueToRunning: stats, goalMs: CI_GOAL_P99_MS, goalMet: stats.p99 < CI_GOAL_P99_MS };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ci-gitlab daemon log (tail) ---\n${daemon.logTail(30)}`);
  } finally {
    events.close();
    await daemon.stop();
  }
}
