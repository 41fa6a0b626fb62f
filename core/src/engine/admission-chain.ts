import { RecentSamples, type AdmissionController, type Metrics, type RequestAdmission } from '@sockerless/sdk';

/**
 * The admission controllers (pools, limits, tenants) as one chain, in registration order. It times itself at create
 * and start (queue waits included), so what they add to `docker run` is measured free of CLI noise
 * (`sockerless_admission_seconds{phase,quantile}` on /metrics).
 */
export class AdmissionChain {
  private readonly phases = { create: new RecentSamples(2048), start: new RecentSamples(2048) };

  /** The registry's own array: tracing wraps its controllers in place once plugins are ready. */
  constructor(private readonly controllers: readonly AdmissionController[]) {}

  /** `phase`'s hook of each controller, timed; what one hands back goes into `held` at once, so a refusal releases it. */
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
