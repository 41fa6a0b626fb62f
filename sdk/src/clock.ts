/**
 * Strictly increasing nanoseconds since the epoch, for log lines and events that must keep their order
 * even within one millisecond. Steps are 1 µs because nanoseconds since 1970 exceed a double's exact range.
 */
export class MonotonicNanoClock {
  private last = 0;

  now(): number {
    const t = Date.now() * 1e6;
    this.last = t > this.last ? t : this.last + 1000;
    return this.last;
  }
}
