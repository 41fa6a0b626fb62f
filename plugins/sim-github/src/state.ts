import { randomBytes } from 'node:crypto';
import type { Persistence } from '@sockerless/sdk';
import { GitHubError } from './errors';
import { labelsMatch, type SimDelivery, type SimJob, type SimRunner } from './model';

interface Saved {
  nextId: number;
  jobs: SimJob[];
  runners: SimRunner[];
  deliveries: SimDelivery[];
  hook?: { url: string; secret: string };
}

export type JobChange = { action: 'queued' | 'in_progress' | 'completed'; job: SimJob };

/** How many deliveries are kept for `GET /app/hook/deliveries`. */
const KEPT_DELIVERIES = 500;

/**
 * The simulator's Actions state: jobs (one per workflow run), ephemeral runners, webhook deliveries. Every
 * change is written (coalesced) to `github.json` in its home, so a restarted simulator continues.
 */
export class SimState {
  private nextId: number;
  readonly jobs = new Map<number, SimJob>();
  readonly runners = new Map<number, SimRunner>();
  readonly deliveries: SimDelivery[];
  hook?: { url: string; secret: string };
  /** Runners waiting for a job (the stand-in's long poll), oldest first, as GitHub hands out queued jobs. */
  private readonly waiting = new Map<number, (job: SimJob | undefined) => void>();
  private readonly listeners = new Set<(change: JobChange) => void>();

  constructor(private readonly persist: Persistence) {
    const saved = persist.load<Saved>('github');
    this.nextId = saved?.nextId ?? 100;
    for (const j of saved?.jobs ?? []) this.jobs.set(j.id, j);
    for (const r of saved?.runners ?? []) this.runners.set(r.id, { ...r, status: 'offline' });
    this.deliveries = saved?.deliveries ?? [];
    this.hook = saved?.hook;
  }

  onChange(listener: (change: JobChange) => void): void {
    this.listeners.add(listener);
  }

  changed(): void {
    this.persist.changed('github', (): Saved => ({
      nextId: this.nextId, jobs: [...this.jobs.values()], runners: [...this.runners.values()], deliveries: this.deliveries, hook: this.hook,
    }));
  }

  id(): number {
    return this.nextId++;
  }

  private emit(action: JobChange['action'], job: SimJob): void {
    this.changed();
    for (const l of this.listeners) l({ action, job });
  }

  enqueue(repo: string, labels: string[], script: string, name: string): SimJob {
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new GitHubError(422, `repository '${repo}' must be OWNER/NAME`);
    if (labels.length === 0) throw new GitHubError(422, 'a job needs at least one runs-on label');
    const runId = this.id();
    const job: SimJob = { id: this.id(), runId, repo, name, labels, script, status: 'queued', conclusion: null, createdAt: now(), assignments: 0 };
    this.jobs.set(job.id, job);
    this.emit('queued', job);
    this.handOut();
    return job;
  }

  job(id: number): SimJob {
    const j = this.jobs.get(id);
    if (!j) throw new GitHubError(404, 'Not Found');
    return j;
  }

  /** Cancelling the run: a queued job completes as cancelled at once; a running one when its runner reports. */
  cancel(id: number): SimJob {
    const j = this.job(id);
    if (j.status === 'completed') throw new GitHubError(409, 'Cannot cancel a workflow run that is completed.');
    if (j.status === 'queued') this.complete(j, 'cancelled');
    else j.conclusion = 'cancelled';
    return j;
  }

  registerRunner(scope: string, name: string, labels: string[], runnerGroupId: number): SimRunner {
    if ([...this.runners.values()].some((r) => r.scope === scope && r.name === name)) {
      throw new GitHubError(409, `Already exists - A runner with the name ${name} already exists.`);
    }
    const runner: SimRunner = { id: this.id(), name, scope, labels, runnerGroupId, secret: randomBytes(16).toString('hex'), status: 'offline', createdAt: now() };
    this.runners.set(runner.id, runner);
    this.changed();
    return runner;
  }

  runnersOf(scope: string): SimRunner[] {
    return [...this.runners.values()].filter((r) => r.scope === scope);
  }

  deleteRunner(scope: string, id: number): void {
    const r = this.runners.get(id);
    if (!r || r.scope !== scope) throw new GitHubError(404, 'Not Found');
    if (r.jobId !== undefined) throw new GitHubError(422, `Bad request - Runner "${r.name}" is still running a job"`);
    this.dropRunner(r);
  }

  private dropRunner(r: SimRunner): void {
    this.runners.delete(r.id);
    this.waiting.get(r.id)?.(undefined);
    this.waiting.delete(r.id);
    this.changed();
  }

  /** The stand-in runner's credential check: its id and the secret of its JIT config. */
  runnerBySecret(id: number, secret: string | undefined): SimRunner {
    const r = this.runners.get(id);
    if (!r || !secret || r.secret !== secret) throw new GitHubError(401, 'runner not registered (deleted, or a wrong JIT config)');
    return r;
  }

  /**
   * The runner's long poll: resolves with the job GitHub hands it (the oldest queued job whose labels it has),
   * or undefined when `timeoutMs` passes or the runner is deleted. An ephemeral runner gets one job only.
   */
  async nextJob(runner: SimRunner, timeoutMs: number): Promise<SimJob | undefined> {
    if (runner.jobId !== undefined) return this.jobs.get(runner.jobId);
    runner.status = 'online';
    this.waiting.get(runner.id)?.(undefined);
    const offered = new Promise<SimJob | undefined>((resolve) => {
      const timer = setTimeout(() => { this.waiting.delete(runner.id); resolve(undefined); }, timeoutMs);
      this.waiting.set(runner.id, (job) => { clearTimeout(timer); resolve(job); });
    });
    this.handOut();
    return offered;
  }

  /** Pairs waiting runners with queued jobs, oldest of each first. */
  private handOut(): void {
    for (const job of [...this.jobs.values()].filter((j) => j.status === 'queued')) {
      const runnerId = [...this.waiting.keys()].find((id) => {
        const r = this.runners.get(id);
        return !!r && servesRepo(r.scope, job.repo) && labelsMatch(job.labels, r.labels);
      });
      if (runnerId === undefined) continue;
      const runner = this.runners.get(runnerId)!;
      const give = this.waiting.get(runnerId)!;
      this.waiting.delete(runnerId);
      runner.jobId = job.id;
      Object.assign(job, { status: 'in_progress', startedAt: now(), runnerId: runner.id, runnerName: runner.name, assignments: job.assignments + 1 });
      this.emit('in_progress', job);
      give(job);
    }
  }

  /** The runner reports its job's end; the ephemeral runner is then unregistered, as GitHub does. */
  report(runner: SimRunner, jobId: number, exitCode: number, log: string): SimJob {
    const job = this.job(jobId);
    if (runner.jobId !== jobId || job.status !== 'in_progress') throw new GitHubError(409, `job ${jobId} is not running on runner ${runner.name}`);
    job.exitCode = exitCode;
    job.log = log;
    this.complete(job, job.conclusion === 'cancelled' ? 'cancelled' : exitCode === 0 ? 'success' : 'failure');
    runner.jobId = undefined;
    this.dropRunner(runner);
    return job;
  }

  private complete(job: SimJob, conclusion: 'success' | 'failure' | 'cancelled'): void {
    Object.assign(job, { status: 'completed', conclusion, completedAt: now() });
    this.emit('completed', job);
  }

  recordDelivery(d: SimDelivery): void {
    this.deliveries.push(d);
    if (this.deliveries.length > KEPT_DELIVERIES) this.deliveries.splice(0, this.deliveries.length - KEPT_DELIVERIES);
    this.changed();
  }

  close(): void {
    for (const give of this.waiting.values()) give(undefined);
    this.waiting.clear();
  }
}

/** A repository runner serves its repository; an organisation's runner (`org:NAME`) every repository of it. */
function servesRepo(scope: string, repo: string): boolean {
  return scope === repo || scope === `org:${repo.split('/')[0]}`;
}

function now(): string {
  return new Date().toISOString();
}
