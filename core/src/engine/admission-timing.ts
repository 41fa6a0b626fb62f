import { RecentSamples, type Metrics } from '@sockerless/sdk';

/**
 * How long the admission chain takes at create and at start (queue waits included), so the cost a pools,
 * limits or tenants plugin adds to every `docker run` is measured by the daemon itself, free of CLI noise.
 * Exported on `GET /metrics` as `sockerless_admission_seconds{phase,quantile}`.
 */
export class AdmissionTiming {
  private readonly phases = { create: new RecentSamples(2048), start: new RecentSamples(2048) };

  async time<T>(phase: 'create' | 'start', fn: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      this.phases[phase].add(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  export(metrics: Metrics): void {
    metrics.onScrape(() => {
      for (const [phase, ring] of Object.entries(this.phases)) {
        for (const q of [0.5, 0.99]) {
          metrics.gauge('sockerless_admission_seconds', 'Time spent in the admission chain (pools, limits, tenants), recent runs', { phase, quantile: String(q) }).set(ring.percentile(q * 100));
        }
      }
    });
  }
}
