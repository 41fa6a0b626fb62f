/**
 * A token bucket for `createsPerMinute`: full at start, refilled continuously. Levels are kept in
 * "per-minute" units (one create costs 60 000, each millisecond adds `perMinute`), so a whole-millisecond
 * clock gives exact integers and "after exactly 20 s" is never off by a rounding error.
 */
export class TokenBucket {
  private static readonly COST = 60_000;
  private level: number;
  private last: number;

  constructor(readonly perMinute: number, private readonly now: () => number) {
    this.level = perMinute * TokenBucket.COST;
    this.last = now();
  }

  /** Takes one create; returns 0 when it was available, else the milliseconds until one will be. */
  take(): number {
    const t = this.now();
    // A clock that steps back (wall time) must not drain the bucket.
    const elapsed = Math.max(0, t - this.last);
    this.last = t;
    this.level = Math.min(this.perMinute * TokenBucket.COST, this.level + elapsed * this.perMinute);
    if (this.level >= TokenBucket.COST) {
      this.level -= TokenBucket.COST;
      return 0;
    }
    return (TokenBucket.COST - this.level) / this.perMinute;
  }
}
