import type Router from '@koa/router';
import { emptyWorkloadStats, guarded, type WorkloadCpuStats, type WorkloadStats } from '@sockerless/sdk';
import type { ContainerEngine } from '../engine/container-engine';
import type { ContainerRecord } from '../engine/container-record';
import { NEVER } from '../engine/lifecycle/container-state';
import { queryBool, requestLog, startJsonStream } from '@sockerless/sdk/api';

/** dockerd's stats collector samples every second. */
const INTERVAL_MS = 1000;

type Sample = { read: string; stats: WorkloadStats };

/**
 * dockerd's stats (daemon/stats.go): a sample a second, the last as `precpu_stats`; `stream=false` waits for a second
 * (CPU %) unless `one-shot`. No run or no measure: Docker's zeros, never a 501 (clients poll it for every container).
 */
export function registerStatsRoute(router: Router, engine: ContainerEngine, isRunning: (id: string) => boolean): void {
  const sample = async (c: ContainerRecord): Promise<Sample> => {
    const driver = engine.backendOf(c).powers.stats;
    const stats = isRunning(c.id) && driver ? await driver.stats(c.id).catch(() => undefined) : undefined;
    return stats ? { read: new Date().toISOString(), stats } : { read: NEVER, stats: emptyWorkloadStats() };
  };
  const body = (c: ContainerRecord, now: Sample, before: Sample | undefined) => {
    const { networks, cpu_stats, ...rest } = now.stats;
    const pre: WorkloadCpuStats = before?.stats.cpu_stats ?? emptyWorkloadStats().cpu_stats;
    return {
      read: now.read, preread: before?.read ?? NEVER,
      pids_stats: rest.pids_stats, blkio_stats: rest.blkio_stats, num_procs: rest.num_procs, storage_stats: rest.storage_stats,
      cpu_stats, precpu_stats: pre, memory_stats: rest.memory_stats,
      name: c.name, id: c.id,
      ...(networks ? { networks } : {}),
    };
  };

  router.get('/containers/:id/stats', async (ctx) => {
    const c = engine.find(ctx.params.id);
    const stream = queryBool(ctx, 'stream', true);
    const oneShot = queryBool(ctx, 'one-shot');
    if (!stream) {
      const first = await sample(c);
      if (oneShot || first.read === NEVER) {
        ctx.body = body(c, first, undefined);
        return;
      }
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
      ctx.body = body(c, await sample(c), first);
      return;
    }
    const write = startJsonStream(ctx);
    let before: Sample | undefined;
    let timer: NodeJS.Timeout | undefined;
    const log = requestLog(ctx);
    const stop = () => { if (timer) clearTimeout(timer); timer = undefined; };
    ctx.res.once('close', guarded(log, { container: c.id, on: 'stats close' }, stop));
    await new Promise<void>((done) => {
      const tick = guarded(log, { container: c.id, on: 'stats tick' }, async () => {
        if (ctx.res.destroyed || ctx.res.writableEnded) return done();
        const current = engine.containers.get(c.id);
        // dockerd ends the stream when the container is removed.
        if (!current) { ctx.res.end(); return done(); }
        const now = await sample(current);
        if (ctx.res.destroyed) return done();
        write(body(c, now, before));
        before = now;
        timer = setTimeout(tick, INTERVAL_MS);
      });
      ctx.res.once('close', () => done());
      void tick();
    });
    stop();
  });
}
