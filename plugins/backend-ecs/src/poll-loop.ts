import type { Logger } from '@sockerless/sdk';
import { describeBatches, type AwsApi, type Task } from './aws';
import { awsErrorName } from './errors';
import type { LogFollower } from './log-follower';

/**
 * The next interval after `sinceChange` ms without a change: a quarter of that time, between min and max,
 * so the delay in noticing an event stays within a quarter of how long it took to happen (plus `min`).
 */
export function backoff(poll: { min: number; max: number }, sinceChange: number): number {
  return Math.max(poll.min, Math.min(poll.max, Math.ceil(sinceChange / 4)));
}

/** DescribeTasks answers that left a task out (`failures` MISSING) before it is taken to be lost. */
const MISSES_BEFORE_LOST = 3;

interface Watched {
  follower?: LogFollower;
  lastStatus?: string;
  misses: number;
  resolve(task: Task): void;
  reject(err: Error): void;
}

/**
 * The one poll loop of a driver: DescribeTasks for every watched task (100 per call) and GetLogEvents for
 * every followed stream, each on an adaptive interval that drops to `min` on a change (a new task, a new
 * status, new events, a wake-up) and grows with the time since (a quarter of it) up to `max`.
 */
export class PollLoop {
  private readonly watched = new Map<string, Watched>();
  private readonly followers = new Set<LogFollower>();
  private describeInterval: number;
  private describeDue = 0;
  /** When a task was last added or changed status. */
  private lastChange = Date.now();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private closed = false;

  constructor(
    private readonly api: AwsApi,
    private readonly cluster: string,
    private readonly poll: { min: number; max: number },
    private readonly logger: Logger,
  ) {
    this.describeInterval = poll.min;
  }

  /**
   * Resolves with the task's last description once it is STOPPED (the follower, if any, is told first so
   * its final drain starts in the same tick); rejects when ECS no longer knows the task.
   */
  watch(taskArn: string, follower?: LogFollower): Promise<Task> {
    return new Promise<Task>((resolve, reject) => {
      this.watched.set(taskArn, { follower, misses: 0, resolve, reject });
      if (follower) {
        this.followers.add(follower);
        follower.output.on('drain', () => this.schedule());
      }
      this.wake();
    });
  }

  /** Something probably changed (a signal was sent, the agent hung up): describe at once. */
  wake(): void {
    this.lastChange = Date.now();
    this.describeInterval = this.poll.min;
    this.describeDue = 0;
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const f of this.followers) f.finish();
    this.followers.clear();
  }

  private schedule(): void {
    if (this.closed || this.ticking) return;
    let due = Infinity;
    if (this.watched.size) due = this.describeDue;
    for (const f of this.followers) {
      // A reader that does not keep up holds its stream's polls back (backpressure to CloudWatch).
      if (!f.inFlight && !f.output.writableNeedDrain) due = Math.min(due, f.due);
    }
    clearTimeout(this.timer);
    if (due === Infinity) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, due - Date.now()));
  }

  private async tick(): Promise<void> {
    if (this.closed || this.ticking) return;
    this.ticking = true;
    try {
      const now = Date.now();
      if (this.watched.size && this.describeDue <= now) await this.describeAll();
      const due = [...this.followers].filter((f) => !f.done && !f.inFlight && f.due <= Date.now() && !f.output.writableNeedDrain);
      await Promise.all(due.map((f) => f.pollOnce(this.api, Date.now)));
      for (const f of this.followers) if (f.done) this.followers.delete(f);
    } catch (err) {
      this.logger.error('ecs: poll loop failed', { err: (err as Error).message });
    } finally {
      this.ticking = false;
      this.schedule();
    }
  }

  private async describeAll(): Promise<void> {
    let changed = false;
    let throttled = false;
    await Promise.all(describeBatches([...this.watched.keys()]).map(async (batch) => {
      try {
        const { tasks, missing } = await this.api.describeTasks(this.cluster, batch);
        for (const task of tasks) if (this.seen(task)) changed = true;
        for (const arn of missing) this.missed(arn, 'ECS does not know the task any more');
      } catch (err) {
        const name = awsErrorName(err);
        throttled ||= name === 'ThrottlingException';
        if (name === 'ClusterNotFoundException') for (const arn of batch) this.missed(arn, `the cluster ${this.cluster} is gone`);
        else this.logger.warn('ecs: DescribeTasks failed; retrying', { err: `${name}: ${(err as Error).message}` });
      }
    }));
    const now = Date.now();
    if (changed) this.lastChange = now;
    this.describeInterval = throttled ? this.poll.max : backoff(this.poll, now - this.lastChange);
    this.describeDue = now + this.describeInterval;
  }

  /** True when the task's status changed. */
  private seen(task: Task): boolean {
    const w = task.taskArn ? this.watched.get(task.taskArn) : undefined;
    if (!w) return false;
    w.misses = 0;
    const changed = w.lastStatus !== task.lastStatus;
    w.lastStatus = task.lastStatus;
    if (task.lastStatus === 'STOPPED') {
      this.watched.delete(task.taskArn!);
      w.follower?.markStopped(Date.now());
      w.resolve(task);
    }
    return changed;
  }

  private missed(arn: string, why: string): void {
    const w = this.watched.get(arn);
    if (!w || ++w.misses < MISSES_BEFORE_LOST) return;
    this.watched.delete(arn);
    w.follower?.finish();
    w.reject(new Error(`the ECS task ${arn} was lost: ${why}`));
  }
}
