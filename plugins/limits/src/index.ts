import {
  coreAdmissionExtensionPoint, coreServices, definePlugin, poolsServiceRef, TooManyRequestsError, type AdmissionController,
  type ContainersService, type PoolsService,
} from '@sockerless/sdk';

/** Creates admitted but not yet recorded, per pool: counted so two concurrent creates cannot both squeeze in. */
interface Pending {
  containers: number;
  memoryBytes: number;
}

/**
 * Per-pool resource limits, checked at create: `maxContainers` (containers in any state) and `maxMemoryBytes`
 * (the sum of `HostConfig.Memory`, with `defaultMemoryBytes` for a container that sets none). The limits are
 * the pool's (`pools.NAME.limits`, or changed at runtime with PATCH /internal/pools/NAME).
 */
export function limitsAdmission(pools: PoolsService, containers: ContainersService): AdmissionController {
  const pending = new Map<string, Pending>();
  return {
    name: 'limits',
    order: 30,
    onCreate(request) {
      const poolName = request.pool ?? pools.defaultPool();
      const limits = pools.get(poolName)?.spec.limits;
      if (!limits || (limits.maxContainers === undefined && limits.maxMemoryBytes === undefined)) return;
      const fallback = limits.defaultMemoryBytes ?? 0;
      const members = containers.list().filter((c) => c.pool === poolName);
      const held = pending.get(poolName) ?? { containers: 0, memoryBytes: 0 };
      const count = members.length + held.containers;
      if (limits.maxContainers !== undefined && count + 1 > limits.maxContainers) {
        throw new TooManyRequestsError(`pool ${poolName} reached its limit maxContainers ${limits.maxContainers}: it has ${count} containers`);
      }
      const wanted = request.memoryBytes > 0 ? request.memoryBytes : fallback;
      const used = members.reduce((sum, c) => sum + (c.memoryBytes > 0 ? c.memoryBytes : fallback), 0) + held.memoryBytes;
      if (limits.maxMemoryBytes !== undefined && used + wanted > limits.maxMemoryBytes) {
        throw new TooManyRequestsError(
          `pool ${poolName} reached its limit maxMemoryBytes ${limits.maxMemoryBytes}: ${used} bytes are reserved and this container asks for ${wanted}`,
        );
      }
      held.containers++;
      held.memoryBytes += wanted;
      pending.set(poolName, held);
      // Once the create is recorded (or failed) the container list tells the truth again.
      return () => {
        held.containers--;
        held.memoryBytes -= wanted;
        if (held.containers === 0) pending.delete(poolName);
      };
    },
  };
}

export default definePlugin({
  id: 'limits',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { admission: coreAdmissionExtensionPoint, pools: poolsServiceRef, containers: coreServices.containers },
      init({ admission, pools, containers }) {
        admission.register(limitsAdmission(pools, containers));
      },
    });
  },
});
