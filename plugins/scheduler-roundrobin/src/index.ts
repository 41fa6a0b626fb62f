import { coreSchedulerExtensionPoint, definePlugin, type Scheduler } from '@sockerless/sdk';

/**
 * Round-robin over a pool's backend instances: each new container goes to the next instance in config order,
 * skipping one that reports itself unavailable. Each pool keeps its own turn, so pools do not disturb each
 * other's spread. When every instance is unavailable it still answers one, and the core refuses the create
 * with 503 naming the pool.
 */
export function createRoundRobin(): Scheduler {
  const next = new Map<string, number>();
  return {
    pick({ pool, candidates, isAvailable }) {
      const start = next.get(pool) ?? 0;
      for (let i = 0; i < candidates.length; i++) {
        const at = (start + i) % candidates.length;
        if (isAvailable(candidates[at])) {
          next.set(pool, at + 1);
          return candidates[at];
        }
      }
      return candidates[start % candidates.length];
    },
  };
}

export default definePlugin({
  id: 'scheduler-roundrobin',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { schedulers: coreSchedulerExtensionPoint },
      init({ schedulers }) {
        schedulers.register('roundrobin', createRoundRobin());
      },
    });
  },
});
