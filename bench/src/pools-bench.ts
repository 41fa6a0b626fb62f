/**
 * The pools figures: what an idle pool adds to a `docker run`, and whether a tenant flooding its pool at
 * ten times its capacity slows the light tenants beside it.
 */
import { ok } from './api';
import { RUN_TRUE, type DockerTarget } from './docker-cli';
import { measureInterleaved, summarize, type Stats } from './measure';

/**
 * Every tenant's pool has the same capacity. `idle` is the pool a plain `docker run` lands in; the light
 * tenants' pools are made at runtime by the fairness run, one set per phase.
 */
export const POOL_CAPACITY = 2;
export const LIGHT_TENANTS = 5;
const HEAVY_FACTOR = 10;

export function poolsConfig(): string {
  const pools = {
    idle: { backends: ['local'], maxConcurrency: 8, queueSize: 64 },
    heavy: { backends: ['local'], maxConcurrency: POOL_CAPACITY, queueSize: 1000 },
  };
  return `export default ${JSON.stringify({
    plugins: ['store-sqlite', 'backend-local', 'pools', 'scheduler-roundrobin', 'limits'],
    backends: { local: { driver: 'local' } },
    pools,
    defaultPool: 'idle',
  })};\n`;
}

/** One whole lifecycle over the API, as dockerode or Testcontainers drive it: create, start, wait, remove. */
async function lifecycle(t: DockerTarget, pool: string): Promise<number> {
  const started = process.hrtime.bigint();
  const { Id } = JSON.parse((await ok(t, 'POST', '/containers/create', { Image: 'busybox:latest', Cmd: ['true'], Labels: { 'com.sockerless.pool': pool } })).text) as { Id: string };
  await ok(t, 'POST', `/containers/${Id}/start`);
  await ok(t, 'POST', `/containers/${Id}/wait`);
  await ok(t, 'DELETE', `/containers/${Id}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** `sockerless_admission_seconds{phase,quantile}` from the daemon's own /metrics, in ms. */
async function admissionQuantiles(t: DockerTarget): Promise<Record<string, number>> {
  const text = (await ok(t, 'GET', '/metrics')).text;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^sockerless_admission_seconds\{phase="(\w+)",quantile="([\d.]+)"\} (\S+)$/gm)) {
    out[`${m[1]} p${Number(m[2]) * 100}`] = Number(m[3]) * 1000;
  }
  return out;
}

export interface PoolOverhead {
  /** `docker run --rm busybox true` without the pools plugin and through an idle pool, interleaved. */
  without: Stats;
  through: Stats;
  /** through.p99 - without.p99, from the CLI: includes the noise of two separate runs. */
  addedP99Ms: number;
  /** The daemon's own timing of the admission chain (create + start), the cost the plugins add. */
  admissionMs: Record<string, number>;
  admissionP99Ms: number;
}

export async function measurePoolOverhead(without: DockerTarget, through: DockerTarget, runs: number, warmups: number): Promise<PoolOverhead> {
  const stats = await measureInterleaved([without, through], RUN_TRUE, { runs, warmups });
  const w = stats.get(without.label)!;
  const t = stats.get(through.label)!;
  const admissionMs = await admissionQuantiles(through);
  return {
    without: w,
    through: t,
    addedP99Ms: Math.round((t.p99 - w.p99) * 100) / 100,
    admissionMs,
    admissionP99Ms: Math.round(((admissionMs['create p99'] ?? 0) + (admissionMs['start p99'] ?? 0)) * 1000) / 1000,
  };
}

export interface Fairness {
  capacity: number;
  heavyClients: number;
  /** Per phase: the light tenants' whole-lifecycle latency and their pools' queue-wait p99 (from /internal/metrics). */
  uncontended: { lifecycle: Stats; queueWaitP99Ms: number };
  contended: { lifecycle: Stats; queueWaitP99Ms: number; heavyQueued: number; heavyCompleted: number };
}

/** Each light tenant runs `perTenant` lifecycles one after another; all light tenants run side by side. */
async function lightTenants(t: DockerTarget, perTenant: number, phase: string): Promise<number[]> {
  const samples: number[] = [];
  await Promise.all(Array.from({ length: LIGHT_TENANTS }, async (_, i) => {
    for (let k = 0; k < perTenant; k++) samples.push(await lifecycle(t, `light${i + 1}-${phase}`));
  }));
  return samples;
}

async function lightQueueWaitP99(t: DockerTarget, phase: string): Promise<number> {
  const metrics = JSON.parse((await ok(t, 'GET', '/internal/metrics')).text) as { pools: Record<string, { queueWaitMs: { p99: number } }> };
  return Math.max(...Array.from({ length: LIGHT_TENANTS }, (_, i) => metrics.pools[`light${i + 1}-${phase}`]!.queueWaitMs.p99));
}

/**
 * Light tenants alone, then the same beside one heavy tenant that keeps ten times its pool's capacity of
 * lifecycles in flight. Each phase uses fresh pools (made at runtime) so its queue-wait figures are its own.
 */
export async function measureFairness(t: DockerTarget, perTenant: number): Promise<Fairness> {
  for (const phase of ['u', 'c']) {
    for (let i = 1; i <= LIGHT_TENANTS; i++) await ok(t, 'POST', '/internal/pools', { name: `light${i}-${phase}`, backends: ['local'], maxConcurrency: POOL_CAPACITY, queueSize: 1000 });
  }
  await lightTenants(t, 2, 'u'); // warm up the path; these pools' waits are all zero anyway
  const uncontended = summarize(await lightTenants(t, perTenant, 'u'));
  const uncontendedWait = await lightQueueWaitP99(t, 'u');

  const heavyClients = POOL_CAPACITY * HEAVY_FACTOR;
  let stop = false;
  let heavyCompleted = 0;
  const heavy = Promise.all(Array.from({ length: heavyClients }, async () => {
    while (!stop) { await lifecycle(t, 'heavy'); heavyCompleted++; }
  }));
  // The flood is on once the heavy pool is full and its queue holds the rest.
  let heavyQueued = 0;
  for (let tries = 0; tries < 400 && heavyQueued < heavyClients - POOL_CAPACITY - 2; tries++) {
    heavyQueued = (JSON.parse((await ok(t, 'GET', '/internal/pools/heavy')).text) as { queued: number }).queued;
    await new Promise((r) => setTimeout(r, 25));
  }
  const contended = summarize(await lightTenants(t, perTenant, 'c'));
  const contendedWait = await lightQueueWaitP99(t, 'c');
  stop = true;
  await heavy;
  return {
    capacity: POOL_CAPACITY,
    heavyClients,
    uncontended: { lifecycle: uncontended, queueWaitP99Ms: uncontendedWait },
    contended: { lifecycle: contended, queueWaitP99Ms: contendedWait, heavyQueued, heavyCompleted },
  };
}
