import { ConflictError, RecentSamples, TooManyRequestsError } from '@sockerless/sdk';

export interface GateLimits {
  maxConcurrency?: number;
  queueSize: number;
  queueTimeoutMs: number;
}

interface Waiter {
  containerId: string;
  enqueuedAt: number;
  grant(release: () => void): void;
  refuse(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface GateStats {
  running: number;
  queued: number;
  admitted: number;
  rejected: number;
  timedOut: number;
  queueWaitMs: { p50: number; p99: number };
}

/**
 * A pool's concurrency: at most `maxConcurrency` slots held at once, and a FIFO queue of starts waiting for
 * one, bounded by `queueSize` and `queueTimeoutMs`. Each slot comes with a release function that works once,
 * so a run that ends on several paths at once (exit, kill, rm -f) gives its slot back exactly once.
 */
export class SlotGate {
  private held = 0;
  private readonly queue: Waiter[] = [];
  private readonly waits = new RecentSamples();
  private readonly holds = new RecentSamples(256);
  private counts = { admitted: 0, rejected: 0, timedOut: 0 };

  constructor(
    private readonly pool: string,
    private limits: GateLimits,
    private readonly onCount: (what: 'admitted' | 'rejected' | 'timedOut') => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  reconfigure(limits: GateLimits): void {
    this.limits = limits;
    this.drain();
  }

  private hasRoom(): boolean {
    return this.limits.maxConcurrency === undefined || this.held < this.limits.maxConcurrency;
  }

  acquire(containerId: string): (() => void) | Promise<() => void> {
    if (this.hasRoom() && this.queue.length === 0) return this.take(0);
    if (this.queue.length >= this.limits.queueSize) {
      this.count('rejected');
      const queueNote = this.limits.queueSize === 0 ? 'it has no queue (queueSize 0)' : `its queue is full (${this.queue.length} of queueSize ${this.limits.queueSize})`;
      throw new TooManyRequestsError(
        `pool ${this.pool} is at its limit: ${this.held} running of maxConcurrency ${this.limits.maxConcurrency}, and ${queueNote}`,
        this.retryAfterSeconds(),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        containerId,
        enqueuedAt: this.now(),
        grant: resolve,
        refuse: reject,
        timer: setTimeout(() => {
          this.unqueue(waiter);
          this.count('timedOut');
          reject(new TooManyRequestsError(
            `pool ${this.pool}: no slot within queueTimeoutMs ${this.limits.queueTimeoutMs} (${this.held} running of maxConcurrency ${this.limits.maxConcurrency}, ${this.queue.length} still queued)`,
            this.retryAfterSeconds(),
          ));
        }, this.limits.queueTimeoutMs),
      };
      waiter.timer.unref();
      this.queue.push(waiter);
    });
  }

  /** A slot for a container found running at boot; it is released by the caller when that run ends. */
  adopt(): () => void {
    return this.take(undefined);
  }

  /** Refuses a queued start (its container was removed, or the pool is going away). */
  cancel(containerId: string, reason: string): boolean {
    const w = this.queue.find((q) => q.containerId === containerId);
    if (!w) return false;
    this.unqueue(w);
    w.refuse(new ConflictError(reason));
    return true;
  }

  cancelAll(reason: string): void {
    for (const w of [...this.queue]) {
      this.unqueue(w);
      w.refuse(new ConflictError(reason));
    }
  }

  stats(): GateStats {
    return {
      running: this.held, queued: this.queue.length, ...this.counts,
      queueWaitMs: { p50: round(this.waits.percentile(50)), p99: round(this.waits.percentile(99)) },
    };
  }

  private take(waitedMs: number | undefined): () => void {
    this.held++;
    if (waitedMs !== undefined) {
      this.waits.add(waitedMs);
      this.count('admitted');
    }
    const since = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      this.holds.add(this.now() - since);
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.hasRoom()) {
      const w = this.queue.shift()!;
      clearTimeout(w.timer);
      w.grant(this.take(this.now() - w.enqueuedAt));
    }
  }

  private unqueue(w: Waiter): void {
    clearTimeout(w.timer);
    const i = this.queue.indexOf(w);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private count(what: 'admitted' | 'rejected' | 'timedOut'): void {
    this.counts[what]++;
    this.onCount(what);
  }

  /** A hint for the client: about how long a slot is usually held, at least one second. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.holds.percentile(50) / 1000));
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
