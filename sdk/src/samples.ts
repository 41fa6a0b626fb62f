/**
 * The most recent `capacity` samples of a measurement, for percentiles in metrics: a fixed ring, so memory
 * stays flat however long the daemon runs. Percentiles are nearest-rank (always a value that was observed).
 */
export class RecentSamples {
  private readonly values: number[] = [];
  private next = 0;

  constructor(private readonly capacity = 1024) {}

  add(v: number): void {
    if (this.values.length < this.capacity) this.values.push(v);
    else this.values[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
  }

  /** `p` in 0..100; 0 when there are no samples yet. */
  percentile(p: number): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  }
}
