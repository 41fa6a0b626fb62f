import { createServiceRef } from '../refs';

/** Resource limits of a pool, enforced at create by the `limits` plugin. */
export interface PoolLimits {
  /** Containers in any state. */
  maxContainers?: number;
  /** The sum of `HostConfig.Memory` of the pool's containers. */
  maxMemoryBytes?: number;
  /** Counted for a container that sets no memory limit. */
  defaultMemoryBytes?: number;
}

/** A pool as configured: in `sockerless.config.ts` under `pools`, or created at runtime. */
export interface PoolSpec {
  /** Backend instance names, in the order the scheduler sees them. */
  backends: string[];
  /** Running containers at once; unlimited when absent. */
  maxConcurrency?: number;
  /** Starts that may wait for a slot; 0 refuses at once when the pool is full. */
  queueSize: number;
  queueTimeoutMs: number;
  /** A registered scheduler's name; the default scheduler when absent. */
  scheduler?: string;
  limits: PoolLimits;
}

export interface PoolInfo {
  name: string;
  spec: PoolSpec;
  /** `config` pools come from the config file; `runtime` ones from the management API. */
  origin: 'config' | 'runtime';
}

/** The pools plugin's registry, for plugins that act per pool (limits, tenants, CI coordinators). */
export interface PoolsService {
  defaultPool(): string;
  get(name: string): PoolInfo | undefined;
  list(): PoolInfo[];
}

export const poolsServiceRef = createServiceRef<PoolsService>({ id: 'pools.registry' });

/** The label that names a container's pool; the core sets it on every container at create. */
export const POOL_LABEL = 'com.sockerless.pool';
