import type { Metrics } from '@sockerless/sdk';
import type { Pool, PoolRegistry } from './pool-registry';

/** What `sockerless pools ls` and `sockerless status` print of a pool. */
export interface PoolSummary {
  name: string; origin: 'config' | 'runtime'; default: boolean; backends: string[];
  maxConcurrency: number | null; queueSize: number; queueTimeoutMs: number; scheduler: string | null;
  limits: { maxContainers?: number; maxMemoryBytes?: number; defaultMemoryBytes?: number };
  running: number; queued: number; containers: number;
}

/** What `GET /internal/pools[/NAME]` answers. */
export interface PoolStatus extends PoolSummary {
  containersPerBackend: Record<string, number>;
}

/** `GET /internal/pools[/NAME]`: a pool's settings and what it holds now. */
export function poolStatus(pool: Pool, registry: PoolRegistry): PoolStatus {
  const containers = pool.containers();
  const { running, queued } = pool.gate.stats();
  const perBackend: Record<string, number> = Object.fromEntries(pool.spec.backends.map((b) => [b, 0]));
  for (const c of containers) perBackend[c.backend] = (perBackend[c.backend] ?? 0) + 1;
  return {
    name: pool.name,
    origin: pool.origin,
    default: pool.name === registry.defaultPool(),
    backends: pool.spec.backends,
    maxConcurrency: pool.spec.maxConcurrency ?? null,
    queueSize: pool.spec.queueSize,
    queueTimeoutMs: pool.spec.queueTimeoutMs,
    scheduler: pool.spec.scheduler ?? null,
    limits: pool.spec.limits,
    running,
    queued,
    containers: containers.length,
    containersPerBackend: perBackend,
  };
}

/** `GET /internal/metrics`, per pool; the Prometheus series carry the same figures. */
export function poolMetrics(pool: Pool) {
  const containers = pool.containers();
  const s = pool.gate.stats();
  const max = pool.spec.maxConcurrency;
  return {
    running: s.running,
    queued: s.queued,
    admitted: s.admitted,
    rejected: s.rejected,
    timedOut: s.timedOut,
    queueWaitMs: s.queueWaitMs,
    /** Slots in use over slots; 0 for a pool without a concurrency bound. */
    utilization: max ? s.running / max : 0,
    maxConcurrency: max ?? null,
    containers: containers.length,
    reservedMemoryBytes: pool.reservedMemoryBytes(containers),
  };
}

const GAUGES = {
  running: 'Containers of the pool holding a concurrency slot',
  queued: 'Starts waiting for a slot',
  queue_wait_p50_seconds: 'Median wait for a slot over recent starts',
  queue_wait_p99_seconds: '99th percentile wait for a slot over recent starts',
  utilization: 'Slots in use divided by maxConcurrency (0 when unbounded)',
  containers: 'Containers of the pool in any state',
  reserved_memory_bytes: 'Sum of the memory limits of the pool\'s containers (defaultMemoryBytes when unset)',
} as const;

export const COUNTERS = {
  admitted: ['sockerless_pool_admitted_total', 'Starts that got a slot'],
  rejected: ['sockerless_pool_rejected_total', 'Starts refused with 429 because the queue was full'],
  timedOut: ['sockerless_pool_timed_out_total', 'Starts refused with 429 after queueTimeoutMs'],
} as const;

/** Sets the `sockerless_pool_*` gauges from the pools' state just before each Prometheus scrape. */
export function exportGauges(metrics: Metrics, registry: PoolRegistry): void {
  metrics.onScrape(() => {
    for (const pool of registry.all()) {
      const m = poolMetrics(pool);
      const values: Record<keyof typeof GAUGES, number> = {
        running: m.running, queued: m.queued, queue_wait_p50_seconds: m.queueWaitMs.p50 / 1000, queue_wait_p99_seconds: m.queueWaitMs.p99 / 1000,
        utilization: m.utilization, containers: m.containers, reserved_memory_bytes: m.reservedMemoryBytes,
      };
      for (const [k, help] of Object.entries(GAUGES)) metrics.gauge(`sockerless_pool_${k}`, help, { pool: pool.name }).set(values[k as keyof typeof GAUGES]);
    }
  });
}

export function forgetPoolSeries(metrics: Metrics, pool: string): void {
  for (const k of Object.keys(GAUGES)) metrics.remove(`sockerless_pool_${k}`, { pool });
  for (const [name] of Object.values(COUNTERS)) metrics.remove(name, { pool });
}
