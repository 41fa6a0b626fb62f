import {
  coreAdmissionExtensionPoint, coreHttpRoutesExtensionPoint, coreServices, definePlugin, NotFoundError, POOL_LABEL,
  poolsServiceRef, type AdmissionController, type HttpRoute,
} from '@sockerless/sdk';
import { parseCreateBody, parsePatchBody, parsePoolsConfig } from './pool-config';
import { PoolRegistry } from './pool-registry';
import { COUNTERS, exportGauges, forgetPoolSeries, poolMetrics, poolStatus } from './pool-status';

export { SlotGate } from './slot-gate';
export { cli } from './cli';
export type { PoolStatus, PoolSummary } from './pool-status';
export { parsePoolsConfig, applyPatch } from './pool-config';

/**
 * Multi-tenant backend pools: the `com.sockerless.pool` label routes a container to a pool (the default pool
 * without it); a pool bounds its running containers and queues starts beyond that; pools are managed at
 * runtime under `/internal/pools` and measured under `/internal/metrics` and `/metrics`.
 */
export default definePlugin({
  id: 'pools',
  sdk: '^1.0.0',
  register(reg) {
    let registry: PoolRegistry | undefined;
    const ready = () => {
      if (!registry) throw new Error('the pools registry is available once the daemon has booted');
      return registry;
    };
    reg.provideService(poolsServiceRef, () => ({
      defaultPool: () => ready().defaultPool(),
      get: (name) => ready().get(name),
      list: () => ready().list(),
    }));
    reg.registerInit({
      deps: {
        admission: coreAdmissionExtensionPoint, routes: coreHttpRoutesExtensionPoint, config: coreServices.config,
        containers: coreServices.containers, backends: coreServices.backends, records: coreServices.records,
        events: coreServices.events, metrics: coreServices.metrics, lifecycle: coreServices.lifecycle, logger: coreServices.logger,
      },
      init({ admission, routes, config, containers, backends, records, events, metrics, lifecycle, logger }) {
        // Shapes are checked now, so a typo fails boot before anything else starts.
        parsePoolsConfig(config.section('pools'), config.section('defaultPool'), () => []);
        const counters = new Map<string, { inc(by?: number): void }>();
        const count = (pool: string, what: keyof typeof COUNTERS) => counters.get(`${what}/${pool}`)?.inc();
        // Every pool exports every counter from its first moment, so a scrape shows 0 rather than nothing.
        const addCounters = (pool: string) => {
          for (const what of Object.keys(COUNTERS) as Array<keyof typeof COUNTERS>) {
            counters.set(`${what}/${pool}`, metrics.counter(COUNTERS[what][0], COUNTERS[what][1], { pool }));
          }
        };

        lifecycle.onReady(async () => {
          const parsed = parsePoolsConfig(config.section('pools'), config.section('defaultPool'), () => backends.list().map((b) => b.name));
          registry = new PoolRegistry(parsed, {
            containers, backends, records, logger, configFile: config.file, onCount: count, onAdded: addCounters,
            onRemoved: (pool) => {
              forgetPoolSeries(metrics, pool);
              for (const what of Object.keys(COUNTERS)) counters.delete(`${what}/${pool}`);
            },
          });
          await registry.load();
          adoptRunning(registry, containers.list());
          exportGauges(metrics, registry);
          logger.info('pools ready', { pools: registry.all().map((p) => p.name), default: registry.defaultPool() });
        });

        // A slot held by a run found at boot is given back when that run ends (the core did not start it).
        const adopted = new Map<string, () => void>();
        const adoptRunning = (reg: PoolRegistry, list: ReturnType<typeof containers.list>) => {
          for (const c of list) {
            const pool = c.running ? reg.find(c.pool) : undefined;
            if (pool) adopted.set(c.id, pool.gate.adopt());
          }
        };
        const unsubscribe = events.subscribe((ev) => {
          if (ev.Type !== 'container' || !registry) return;
          if (ev.Action === 'die' || ev.Action === 'destroy') {
            adopted.get(ev.Actor.ID)?.();
            adopted.delete(ev.Actor.ID);
          }
          if (ev.Action === 'destroy') {
            // A start still waiting for a slot must not outlive its container.
            const pool = registry.find(ev.Actor.Attributes[POOL_LABEL]);
            pool?.gate.cancel(ev.Actor.ID, `container ${ev.Actor.ID.slice(0, 12)} was removed while it waited for a slot in pool ${pool.name}`);
          }
        });
        lifecycle.onShutdown(() => {
          unsubscribe();
          for (const p of registry?.all() ?? []) p.gate.cancelAll('the daemon is shutting down');
        });

        admission.register(poolAdmission(ready));
        for (const route of managementRoutes(ready)) routes.add(route);
      },
    });
  },
});

function poolAdmission(ready: () => PoolRegistry): AdmissionController {
  return {
    name: 'pools',
    order: 20,
    onCreate(request) {
      const registry = ready();
      const pool = registry.pool(request.pool ?? request.labels[POOL_LABEL] ?? registry.defaultPool());
      request.pool = pool.name;
      request.candidates = pool.spec.backends;
      request.scheduler = pool.spec.scheduler;
    },
    onStart(request) {
      const pool = ready().find(request.pool);
      if (!pool) throw new NotFoundError(`no such pool: ${request.pool}`);
      return pool.gate.acquire(request.containerId);
    },
  };
}

function managementRoutes(ready: () => PoolRegistry): HttpRoute[] {
  return [
    { method: 'GET', path: '/internal/pools', handler: () => ({ body: ready().all().map((p) => poolStatus(p, ready())) }) },
    { method: 'GET', path: '/internal/pools/:name', handler: (req) => ({ body: poolStatus(ready().pool(req.params.name), ready()) }) },
    {
      method: 'POST', path: '/internal/pools',
      handler: async (req) => {
        const { name, spec } = parseCreateBody(req.body);
        const pool = await ready().create(name, spec);
        return { status: 201, body: poolStatus(pool, ready()) };
      },
    },
    {
      method: 'PATCH', path: '/internal/pools/:name',
      handler: async (req) => ({ body: poolStatus(await ready().patch(req.params.name, parsePatchBody(req.body)), ready()) }),
    },
    {
      method: 'DELETE', path: '/internal/pools/:name',
      handler: async (req) => {
        const force = ['1', 'true'].includes(String(req.query.force ?? ''));
        await ready().remove(req.params.name, force);
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: '/internal/metrics',
      handler: () => ({ body: { pools: Object.fromEntries(ready().all().map((p) => [p.name, poolMetrics(p)])) } }),
    },
  ];
}
