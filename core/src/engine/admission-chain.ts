import { RecentSamples, type AdmissionController, type Metrics, type RequestAdmission } from '@sockerless/sdk';

/**
 * The admission controllers plugins register (pools, limits, tenants) as one chain: each hook runs in
 * registration order, and the tenant questions are answered by the first (or every) controller that has
 * one. The chain also times itself at create and at start (queue waits included), so the cost such a
 * plugin adds to every `docker run` is measured by the daemon itself, free of CLI noise; exported on
 * `GET /metrics` as `sockerless_admission_seconds{phase,quantile}`.
 */
export class AdmissionChain {
  private readonly phases = { create: new RecentSamples(2048), start: new RecentSamples(2048) };

  /** The registry's own array: tracing wraps its controllers in place once plugins are ready. */
  constructor(private readonly controllers: readonly AdmissionController[]) {}

  /**
   * `phase`'s hook of every controller in turn, timed. What each one hands back to be released (a pool
   * slot, a reservation) goes into `held` as it comes, so a refusal part way still releases the earlier ones.
   */
  async admit(phase: 'create' | 'start', held: Array<() => void>, call: (a: AdmissionController) => unknown): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      for (const a of this.controllers) {
        const release = await call(a);
        if (typeof release === 'function') held.push(release as () => void);
      }
    } finally {
      this.phases[phase].add(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Every API request, before its route runs: a controller refuses it by throwing. */
  async request(req: RequestAdmission): Promise<void> {
    for (const a of this.controllers) await a.onRequest?.(req);
  }

  /** The tenant `caller` acts for (the first controller that names one); undefined: the operator. */
  tenantOf(caller: RequestAdmission | undefined): string | undefined {
    if (!caller) return undefined;
    for (const a of this.controllers) {
      const tenant = a.tenantOf?.(caller);
      if (tenant !== undefined) return tenant;
    }
    return undefined;
  }

  /** Whether `caller` may see a container with these labels: every controller with `canSee` agrees. */
  visibleTo(caller: RequestAdmission | undefined, labels: Record<string, string>): boolean {
    if (!caller) return true;
    for (const a of this.controllers) if (a.canSee && !a.canSee(caller, labels)) return false;
    return true;
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

/** Releases what an admission chain handed back, in the order it was taken. */
export function releaseAll(held: Array<() => void>): void {
  for (const release of held) release();
}
