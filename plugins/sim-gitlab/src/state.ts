import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Persistence } from '@sockerless/sdk';
import { FINISHED, runnerMatches, type JobRecord, type JobSpec, type ProjectRecord, type RunnerRecord } from './model';

interface Snapshot {
  nextId: number;
  runners: RunnerRecord[];
  projects: ProjectRecord[];
  jobs: JobRecord[];
}

const DOC = 'gitlab';

/** A random token with GitLab's prefix for its kind (`glrt-` runner authentication token, `glcbt-` job token). */
export const newToken = (prefix: string): string => `${prefix}${randomBytes(15).toString('base64url')}`;

/**
 * Runners, projects and jobs, written through the simulator's persistence (one JSON document) after each change;
 * each job's trace is a file of its own under `traces/`, appended synchronously, so what a runner was told was
 * stored (the 202 of a trace PATCH) is on disk.
 */
export class GitlabState {
  private nextId: number;
  readonly runners = new Map<number, RunnerRecord>();
  readonly projects = new Map<number, ProjectRecord>();
  readonly jobs = new Map<number, JobRecord>();
  /** Runners waiting in `jobs/request` for a job; called when one may be there for them. */
  private readonly waiters = new Set<() => void>();
  private readonly traceDir: string;

  constructor(private readonly persist: Persistence, stateDir: string) {
    const saved = persist.load<Snapshot>(DOC);
    this.nextId = saved?.nextId ?? 1;
    for (const r of saved?.runners ?? []) this.runners.set(r.id, r);
    for (const p of saved?.projects ?? []) this.projects.set(p.id, p);
    for (const j of saved?.jobs ?? []) this.jobs.set(j.id, j);
    this.traceDir = join(stateDir, 'traces');
    mkdirSync(this.traceDir, { recursive: true });
  }

  private id(): number {
    return this.nextId++;
  }

  changed(): void {
    this.persist.changed(DOC, (): Snapshot => ({ nextId: this.nextId, runners: [...this.runners.values()], projects: [...this.projects.values()], jobs: [...this.jobs.values()] }));
  }

  addRunner(description: string, tags: string[], runUntagged: boolean): RunnerRecord {
    const runner: RunnerRecord = { id: this.id(), token: newToken('glrt-'), description, tags, runUntagged };
    this.runners.set(runner.id, runner);
    this.changed();
    return runner;
  }

  runnerByToken(token: unknown): RunnerRecord | undefined {
    if (typeof token !== 'string' || !token) return undefined;
    for (const r of this.runners.values()) if (r.token === token) return r;
    return undefined;
  }

  removeRunner(id: number): void {
    this.runners.delete(id);
    this.changed();
  }

  addProject(path: string, defaultBranch: string, sha: string): ProjectRecord {
    const project: ProjectRecord = { id: this.id(), path, defaultBranch, sha };
    this.projects.set(project.id, project);
    this.changed();
    return project;
  }

  projectByPath(path: string): ProjectRecord | undefined {
    for (const p of this.projects.values()) if (p.path === path) return p;
    return undefined;
  }

  addJob(project: ProjectRecord, spec: JobSpec, ref: string, sha: string): JobRecord {
    const job: JobRecord = {
      id: this.id(), token: newToken('glcbt-'), projectId: project.id, ref, sha, spec, status: 'pending',
      pickups: 0, completions: 0, traceBytes: 0, artifacts: [], createdAt: new Date().toISOString(),
    };
    this.jobs.set(job.id, job);
    this.changed();
    this.wake();
    return job;
  }

  /** The oldest pending job `runner` may take, now running on it; undefined when there is none. */
  assign(runner: RunnerRecord): JobRecord | undefined {
    for (const job of this.jobs.values()) {
      if (job.status !== 'pending' || !runnerMatches(runner, job)) continue;
      job.status = 'running';
      job.runnerId = runner.id;
      job.pickups += 1;
      job.startedAt = new Date().toISOString();
      this.changed();
      return job;
    }
    return undefined;
  }

  finish(job: JobRecord, status: 'success' | 'failed' | 'canceled', failureReason?: string, exitCode?: number): void {
    job.status = status;
    job.failureReason = failureReason;
    job.exitCode = exitCode;
    job.finishedAt = new Date().toISOString();
    this.changed();
  }

  isFinished(job: JobRecord): boolean {
    return FINISHED.has(job.status);
  }

  appendTrace(job: JobRecord, data: Buffer): void {
    appendFileSync(this.traceFile(job.id), data);
    job.traceBytes += data.length;
    this.changed();
  }

  trace(jobId: number): Buffer {
    try {
      return readFileSync(this.traceFile(jobId));
    } catch {
      return Buffer.alloc(0);
    }
  }

  private traceFile(jobId: number): string {
    return join(this.traceDir, `${jobId}.log`);
  }

  /** Waits until `wake` (a job was submitted) or `ms` passed; resolves false on timeout or abort. */
  waitForWork(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal.removeEventListener('abort', abort);
        resolve(woken);
      };
      const wake = () => done(true);
      const abort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(wake);
      signal.addEventListener('abort', abort);
    });
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Releases every waiting runner (the simulator stops). */
  close(): void {
    this.wake();
  }
}
