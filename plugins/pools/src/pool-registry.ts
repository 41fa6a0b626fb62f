import {
  ConflictError, InvalidArgumentError, NotFoundError, type BackendCatalog, type ContainersService, type ContainerView,
  type Logger, type PluginRecords, type PoolInfo, type PoolSpec, type PoolsService,
} from '@sockerless/sdk';
import { applyPatch, checkReferences, type PoolPatch, type PoolsConfig } from './pool-config';
import { SlotGate } from './slot-gate';

/** A pool's scope: its spec, its gate, and its own view of the core's containers. */
export class Pool {
  readonly gate: SlotGate;
  /** Set while `DELETE` runs, so no new container joins a pool that is going away. */
  closing = false;

  constructor(
    readonly name: string,
    public spec: PoolSpec,
    readonly origin: 'config' | 'runtime',
    private readonly containersService: ContainersService,
    onCount: (pool: string, what: 'admitted' | 'rejected' | 'timedOut') => void,
  ) {
    this.gate = new SlotGate(name, spec, (what) => onCount(name, what));
  }

  containers(): ContainerView[] {
    return this.containersService.list().filter((c) => c.pool === this.name);
  }

  /** Memory held by the pool's containers; one without a limit counts as `defaultMemoryBytes`. */
  reservedMemoryBytes(containers = this.containers()): number {
    const fallback = this.spec.limits.defaultMemoryBytes ?? 0;
    return containers.reduce((sum, c) => sum + (c.memoryBytes > 0 ? c.memoryBytes : fallback), 0);
  }

  info(): PoolInfo {
    return { name: this.name, spec: this.spec, origin: this.origin };
  }
}

/** What is kept in the store: a pool made at runtime, or a runtime change to a pool from the config. */
interface PoolRecord {
  id: string;
  origin: 'config' | 'runtime';
  spec?: PoolSpec;
  patch?: PoolPatch;
  [field: string]: unknown;
}

export interface RegistryDeps {
  containers: ContainersService;
  backends: BackendCatalog;
  records: PluginRecords;
  logger: Logger;
  configFile: string;
  onCount(pool: string, what: 'admitted' | 'rejected' | 'timedOut'): void;
  onAdded(pool: string): void;
  onRemoved(pool: string): void;
}

/**
 * The pools: those of the config file plus those created at runtime, with runtime changes kept in the store so
 * they survive a restart. A container's pool is its `com.sockerless.pool` label, fixed at create.
 */
export class PoolRegistry implements PoolsService {
  private readonly pools = new Map<string, Pool>();
  private readonly patches = new Map<string, PoolPatch>();

  constructor(private readonly config: PoolsConfig, private readonly deps: RegistryDeps) {}

  defaultPool(): string {
    return this.config.defaultPool;
  }

  get(name: string): PoolInfo | undefined {
    return this.pools.get(name)?.info();
  }

  list(): PoolInfo[] {
    return [...this.pools.values()].map((p) => p.info());
  }

  all(): Pool[] {
    return [...this.pools.values()];
  }

  /** A pool open for new containers; 404 in Docker's shape otherwise. */
  pool(name: string): Pool {
    const p = this.pools.get(name);
    if (!p || p.closing) throw new NotFoundError(`no such pool: ${name}`);
    return p;
  }

  /** Any pool by name, closing ones included (their existing containers still start and stop). */
  find(name: string | undefined): Pool | undefined {
    return name === undefined ? undefined : this.pools.get(name);
  }

  /** At boot: the config's pools (with their stored patches), then the runtime ones; every reference checked. */
  async load(): Promise<void> {
    const stored = (await this.deps.records.list()) as PoolRecord[];
    for (const r of stored) if (r.origin === 'config' && r.patch) this.patches.set(r.id, r.patch);
    for (const [name, spec] of this.config.pools) {
      const patch = this.patches.get(name);
      this.add(name, patch ? applyPatch(spec, patch) : spec, 'config', this.config.explicit ? `pools.${name}` : undefined);
    }
    for (const r of stored) {
      if (r.origin !== 'runtime' || !r.spec) continue;
      if (this.pools.has(r.id)) {
        this.deps.logger.warn('a pool created at runtime is now also in the config file; the config wins', { pool: r.id });
        continue;
      }
      this.add(r.id, r.spec, 'runtime', `pool '${r.id}' (created at runtime)`);
    }
    const known = new Set(this.pools.keys());
    for (const c of this.deps.containers.list()) {
      if (!known.has(c.pool)) this.deps.logger.warn('container belongs to a pool that is no longer configured; it cannot start until the pool exists again', { container: c.id.slice(0, 12), pool: c.pool });
    }
  }

  private add(name: string, spec: PoolSpec, origin: Pool['origin'], where: string | undefined): Pool {
    if (where) {
      const problem = checkReferences(where, spec, { has: (n) => this.deps.backends.has(n), names: this.deps.backends.list().map((b) => b.name) }, this.deps.backends.schedulers());
      if (problem) throw new Error(problem);
    }
    const pool = new Pool(name, spec, origin, this.deps.containers, this.deps.onCount);
    this.pools.set(name, pool);
    this.deps.onAdded(name);
    return pool;
  }

  async create(name: string, spec: PoolSpec): Promise<Pool> {
    if (this.pools.has(name)) throw new ConflictError(`pool ${name} already exists`);
    const problem = this.referenceProblem(spec);
    if (problem) throw new InvalidArgumentError(problem);
    const pool = this.add(name, spec, 'runtime', undefined);
    try {
      await this.deps.records.put({ id: name, origin: 'runtime', spec });
    } catch (err) {
      this.pools.delete(name);
      throw err;
    }
    return pool;
  }

  async patch(name: string, patch: PoolPatch): Promise<Pool> {
    const pool = this.pool(name);
    const spec = applyPatch(pool.spec, patch);
    const problem = this.referenceProblem(spec);
    if (problem) throw new InvalidArgumentError(problem);
    if (pool.origin === 'runtime') {
      await this.deps.records.put({ id: name, origin: 'runtime', spec });
    } else {
      // A config pool keeps its config as the base; the stored patch is what the API changed on top of it.
      const merged = mergePatches(this.patches.get(name), patch);
      await this.deps.records.put({ id: name, origin: 'config', patch: merged });
      this.patches.set(name, merged);
    }
    pool.spec = spec;
    pool.gate.reconfigure(spec);
    return pool;
  }

  /** Removes a runtime pool; with `force` its containers are killed and removed first. */
  async remove(name: string, force: boolean): Promise<void> {
    const pool = this.pool(name);
    if (name === this.config.defaultPool) throw new ConflictError(`pool ${name} is the default pool; choose another defaultPool in ${this.deps.configFile} first`);
    if (pool.origin === 'config') throw new ConflictError(`pool ${name} is defined in ${this.deps.configFile}; remove it there`);
    const members = pool.containers();
    if (members.length > 0 && !force) {
      throw new ConflictError(`pool ${name} has ${members.length} container${members.length === 1 ? '' : 's'}; remove them first or use force=true`);
    }
    pool.closing = true;
    try {
      pool.gate.cancelAll(`pool ${name} is being removed`);
      for (const c of members) await this.deps.containers.remove(c.id, { force: true });
      await this.deps.records.delete(name);
    } catch (err) {
      pool.closing = false;
      throw err;
    }
    this.pools.delete(name);
    this.deps.onRemoved(name);
  }

  private referenceProblem(spec: PoolSpec): string | undefined {
    return checkReferences('', spec, { has: (n) => this.deps.backends.has(n), names: this.deps.backends.list().map((b) => b.name) }, this.deps.backends.schedulers())
      ?.replace(/^\./, '');
  }
}

function mergePatches(prior: PoolPatch | undefined, next: PoolPatch): PoolPatch {
  return { ...prior, ...next, limits: prior?.limits || next.limits ? { ...prior?.limits, ...next.limits } : undefined };
}
