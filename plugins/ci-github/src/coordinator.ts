import { CI_COORDINATOR_LABEL, detached, type CiCoordinator, type ContainersService, type EventsBus, type Logger, type PoolsService, type StoredEvent } from '@sockerless/sdk';
import type { QueuedJob } from './github-api';
import type { CiGitHubOptions, RunnerGroup } from './options';
import { jobKey, type JobRecord, type Ledger, type RunnerRecord } from './records';
import { COORDINATOR, Runners, type RunnerApi } from './runners';

/** A completed job's record is kept this long, so a late duplicate `queued` delivery starts nothing. */
const COMPLETED_KEPT_MS = 60 * 60_000;

export interface GitHubPort extends RunnerApi {
  queuedJobs(repo: string): Promise<QueuedJob[]>;
  job(repo: string, id: number): Promise<QueuedJob>;
}

export interface CoordinatorDeps {
  options: CiGitHubOptions;
  ledger: Ledger;
  /** Made at start (Octokit is imported then). */
  api: () => Promise<GitHubPort>;
  containers: ContainersService;
  events: EventsBus;
  pools: PoolsService;
  logger: Logger;
}

/** A `workflow_job` as the webhook and the poller both hand it over. */
export interface WorkflowJobEvent {
  action: string;
  id: number;
  repo: string;
  labels: string[];
  runnerName: string | null;
}

/**
 * GitHub Actions jobs to ephemeral runners. Every change goes through one queue (`serial`), so a webhook, a
 * poll round, a container's exit and the reaper never interleave; each step is recorded before it is acted on
 * (contracts/ci.ts), so a restart reconciles instead of guessing.
 */
export class GitHubCoordinator implements CiCoordinator {
  readonly name = COORDINATOR;
  private chain: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => void;
  private runners?: Runners;
  private api?: GitHubPort;
  private readonly started: Promise<void>;
  private markStarted!: () => void;
  private stopped = false;
  /** When each queued job's state was last asked of GitHub by the reaper. */
  private readonly checkedAt = new Map<number, number>();

  constructor(private readonly deps: CoordinatorDeps) {
    this.started = new Promise((resolve) => { this.markStarted = resolve; });
  }

  async start(): Promise<void> {
    const { options, ledger, logger } = this.deps;
    this.api = await this.deps.api();
    this.runners = new Runners(ledger, this.api, this.deps.containers, options.runnerGroups, logger, (runner) => this.serial(async () => {
      await ledger.dropRunner(runner.name);
      await this.reconcile(runner.group);
    }));
    await ledger.load();
    await this.serial(() => this.recover());
    this.unsubscribe = this.deps.events.subscribe((ev) => this.onEvent(ev));
    this.markStarted();
    // Not awaited (the core awaits start, and GitHub may be slow): credentials and the runner scope are checked
    // (an installation token bought) before the first job needs them; then what happened while the daemon
    // was down is asked for: jobs queued, jobs completed.
    detached(logger, { on: 'ci-github first contact' }, (async () => {
      await this.api!.runners().catch((err: Error) => logger.error('GitHub refused the coordinator\'s credentials or runner scope; jobs will not get runners until it accepts them', { err: err.message }));
      await this.poll().catch((err: Error) => logger.warn('first poll failed', { err: err.message }));
    })());
    const every = (ms: number, what: string, fn: () => Promise<void>) => {
      const t = setInterval(() => detached(logger, { on: what }, fn()), ms);
      t.unref();
      this.timers.push(t);
    };
    if (options.poll && options.poll.intervalMs > 0) every(options.poll.intervalMs, 'ci-github poll', () => this.poll());
    every(Math.max(100, Math.min(5_000, Math.floor(options.pickupTimeoutMs / 4))), 'ci-github reaper', () => this.serial(() => this.reap()));
  }

  /** At boot (onReady): a group mapped to a pool that does not exist stops the boot, naming both. */
  checkPools(): void {
    const { options, pools } = this.deps;
    for (const [name, g] of Object.entries(options.runnerGroups)) {
      if (!pools.get(g.pool)) throw new Error(`runner group '${name}' maps to pool '${g.pool}', which is not configured (pools: ${pools.list().map((p) => p.name).join(', ')})`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe?.();
    await this.chain.catch(() => undefined);
  }

  /**
   * The webhook's and the poller's entry. Resolves once the change is recorded (durable): a webhook is
   * answered within GitHub's 10 s whatever else is going on; acting on it (launch, retire) follows in the queue.
   */
  async onWorkflowJob(ev: WorkflowJobEvent): Promise<void> {
    await this.started;
    const group = await this.record(ev);
    if (group) detached(this.deps.logger, { on: 'workflow_job', job: ev.id, action: ev.action }, this.serial(() => this.act(ev, group)));
  }

  status() {
    const jobs = [...this.deps.ledger.jobs.values()];
    return {
      jobs: { queued: jobs.filter((j) => j.status === 'queued').length, inProgress: jobs.filter((j) => j.status === 'in_progress').length, completed: jobs.filter((j) => j.status === 'completed').length },
      runners: [...this.deps.ledger.runners.values()].map((r) => ({ name: r.name, group: r.group, state: r.state, forJob: r.forJob })),
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(() => (this.stopped ? (undefined as T) : fn()));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** GitHub's rule, from the runner's side: the first group that has every one of the job's labels. */
  private groupFor(labels: string[]): string | undefined {
    const want = labels.map((l) => l.toLowerCase());
    return Object.entries(this.deps.options.runnerGroups).find(([, g]) => {
      const have = new Set(g.labels.map((l) => l.toLowerCase()));
      return want.every((l) => have.has(l));
    })?.[0];
  }

  /**
   * Records what GitHub said of a job; answers the job's group when something changed. The check and the
   * in-memory update are synchronous, so two deliveries of one job cannot both pass it.
   */
  private async record(ev: WorkflowJobEvent): Promise<string | undefined> {
    const { ledger, logger } = this.deps;
    const known = ledger.jobs.get(ev.id);
    const group = known?.group ?? this.groupFor(ev.labels);
    if (!group) { logger.debug('job matches no runner group', { job: ev.id, labels: ev.labels }); return undefined; }
    if (ev.action === 'queued') {
      if (known) { logger.info('job already known; no second runner', { job: ev.id, status: known.status }); return undefined; }
      await ledger.putJob({ id: jobKey(ev.id), kind: 'job', jobId: ev.id, repo: ev.repo, labels: ev.labels, group, status: 'queued', runnersLaunched: 0, seenAt: Date.now() });
      return group;
    }
    if (ev.action !== 'in_progress' && ev.action !== 'completed') return undefined;
    const job: JobRecord = known ?? { id: jobKey(ev.id), kind: 'job', jobId: ev.id, repo: ev.repo, labels: ev.labels, group, status: 'queued', runnersLaunched: 0, seenAt: Date.now() };
    if (job.status === 'completed' || job.status === ev.action) return undefined;
    job.status = ev.action;
    if (ev.action === 'completed') job.completedAt = Date.now();
    await ledger.putJob(job);
    return group;
  }

  /** In the queue: the runner that took the job is busy, or goes with it; then the group is reconciled. */
  private async act(ev: WorkflowJobEvent, group: string): Promise<void> {
    const { ledger } = this.deps;
    const runner = ev.runnerName ? ledger.runners.get(ev.runnerName) : undefined;
    if (runner && ev.action === 'in_progress') { runner.state = 'busy'; await ledger.putRunner(runner); }
    if (runner && ev.action === 'completed') await this.runners!.retire(runner, true);
    await this.reconcile(group);
  }

  /** As many waiting runners as queued jobs, within the group's max; surplus waiting runners go. */
  private async reconcile(groupName: string): Promise<void> {
    const { ledger } = this.deps;
    const group: RunnerGroup = this.deps.options.runnerGroups[groupName];
    const queued = ledger.queuedOf(groupName);
    const idle = ledger.runnersOf(groupName).filter((r) => r.state !== 'busy' && r.state !== 'removing');
    let missing = queued.length - idle.length;
    for (const job of queued) {
      if (missing <= 0 || ledger.runnersOf(groupName).length >= group.maxRunners) break;
      const launched = await this.runners!.launch(groupName, job);
      if (launched) detached(this.deps.logger, { on: 'runner start', runner: launched.runner.name }, this.startRunner(launched.runner, launched.containerId));
      missing -= 1;
    }
    // A job cancelled before pickup leaves a runner nobody needs: the newest waiting ones go first. One still
    // registering or starting is left to a later round (the reaper's): removing it would race its start.
    for (const r of idle.filter((x) => x.state === 'waiting').sort((a, b) => b.launchedAt - a.launchedAt)) {
      if (missing >= 0) break;
      if (await this.runners!.retire(r, false)) missing += 1;
    }
  }

  /** Outside the queue: a start may wait for a pool slot. */
  private async startRunner(runner: RunnerRecord, containerId: string): Promise<void> {
    try {
      await this.deps.containers.start(containerId);
    } catch (err) {
      this.deps.logger.warn('runner container did not start', { runner: runner.name, err: (err as Error).message });
      await this.serial(async () => { if (this.deps.ledger.runners.has(runner.name)) await this.runners!.retire(runner, true); });
      return;
    }
    await this.serial(async () => {
      if (!this.deps.ledger.runners.has(runner.name) || runner.state !== 'starting') return;
      runner.state = 'waiting';
      runner.startedAt = Date.now();
      await this.deps.ledger.putRunner(runner);
    });
  }

  /** A runner container that exited (its job done, or it failed) is removed, and its group reconciled. */
  private onEvent(ev: StoredEvent): void {
    if (ev.Type !== 'container' || ev.Action !== 'die' || ev.Actor.Attributes[CI_COORDINATOR_LABEL] !== COORDINATOR) return;
    const name = ev.Actor.Attributes.name;
    detached(this.deps.logger, { on: 'runner exit', runner: name }, this.serial(async () => {
      const runner = this.deps.ledger.runners.get(name);
      if (runner) await this.runners!.retire(runner, true);
    }));
  }

  /** At start: records against the containers that survived. */
  private async recover(): Promise<void> {
    const { ledger, logger, containers } = this.deps;
    const own = new Map(this.runners!.ownContainers().map((c) => [c.name, c]));
    for (const runner of [...ledger.runners.values()]) {
      const c = own.get(runner.name);
      own.delete(runner.name);
      if (runner.state === 'removing') {
        this.runners!.finishRemoval(runner);
      } else if (c?.status === 'created') {
        // Made before the crash, never started (or waiting for a pool slot): it starts now.
        runner.state = 'starting';
        detached(logger, { on: 'runner start', runner: runner.name }, this.startRunner(runner, c.id));
      } else if (c?.running) {
        // Its runner outlived the daemon (live-restore): it waits for a job, or runs one (GitHub says which).
        if (runner.state !== 'busy') Object.assign(runner, { state: 'waiting', startedAt: runner.startedAt ?? Date.now() });
        await ledger.putRunner(runner);
      } else {
        logger.info('runner not running after restart; removed', { runner: runner.name, state: runner.state, container: c?.status ?? 'none' });
        await this.runners!.retire(runner, true);
      }
    }
    for (const c of own.values()) {
      logger.info('runner container without a record; removed', { container: c.name });
      await containers.remove(c.id, { force: true }).catch((err: Error) => logger.warn('could not remove a stray runner container', { container: c.name, err: err.message }));
    }
  }

  /** Queued jobs of the polled repositories, and the state of every job on record that has not completed. */
  private async poll(): Promise<void> {
    const { options, ledger, logger } = this.deps;
    const api = this.api!;
    for (const repo of options.poll?.repositories ?? []) {
      for (const j of await api.queuedJobs(repo)) await this.onWorkflowJob({ action: 'queued', id: j.id, repo, labels: j.labels, runnerName: j.runnerName });
    }
    for (const job of [...ledger.jobs.values()]) {
      if (job.status === 'completed') continue;
      const now = await api.job(job.repo, job.jobId).catch((err: Error) => { logger.warn('job status unavailable', { job: job.jobId, err: err.message }); return undefined; });
      if (now && now.status !== job.status && (now.status === 'in_progress' || now.status === 'completed')) {
        await this.onWorkflowJob({ action: now.status, id: job.jobId, repo: job.repo, labels: job.labels, runnerName: now.runnerName });
      }
    }
  }

  /**
   * Runners that never picked up a job within the timeout are removed, removals that did not finish are
   * finished, completed jobs older than an hour are forgotten; then groups are reconciled (retries).
   */
  private async reap(): Promise<void> {
    const { ledger, options, logger } = this.deps;
    for (const r of [...ledger.runners.values()]) {
      if (r.state === 'removing') {
        this.runners!.finishRemoval(r);
      } else if (r.state === 'registering' || (r.state === 'starting' && !this.runners!.containerOf(r.name))) {
        // A launch that failed half-way and could not be undone then (GitHub unreachable): a launch is never
        // in flight here, as both run in the queue.
        await this.runners!.retire(r, true);
      } else if ((r.state === 'waiting' || r.state === 'busy') && !this.runners!.containerOf(r.name)?.running) {
        // Its container is gone or stopped and its retirement did not finish (GitHub was unreachable).
        await this.runners!.retire(r, true);
      } else if (r.state === 'waiting' && r.startedAt && Date.now() - r.startedAt > options.pickupTimeoutMs) {
        logger.warn('runner never picked up a job; reaped', { runner: r.name, waitedMs: Date.now() - r.startedAt });
        await this.runners!.retire(r, false);
      }
    }
    // A job queued that long may have been cancelled with the webhook lost: GitHub is asked before another runner.
    for (const job of [...ledger.jobs.values()]) {
      if (job.status === 'completed' && Date.now() - (job.completedAt ?? 0) > COMPLETED_KEPT_MS) await ledger.dropJob(job.jobId);
      if (job.status !== 'queued') { this.checkedAt.delete(job.jobId); continue; }
      if (Date.now() - (this.checkedAt.get(job.jobId) ?? job.seenAt) < options.pickupTimeoutMs) continue;
      this.checkedAt.set(job.jobId, Date.now());
      const now = await this.api!.job(job.repo, job.jobId).catch(() => undefined);
      if (now && now.status !== 'queued' && (await this.record({ action: now.status, id: job.jobId, repo: job.repo, labels: job.labels, runnerName: now.runnerName }))) {
        await this.act({ action: now.status, id: job.jobId, repo: job.repo, labels: job.labels, runnerName: now.runnerName }, job.group);
      }
    }
    for (const group of Object.keys(options.runnerGroups)) await this.reconcile(group);
  }
}
