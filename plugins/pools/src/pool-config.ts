import { InvalidArgumentError, z, type PoolSpec } from '@sockerless/sdk';

/** Defaults for what a pool leaves out. Queueing is the normal path (Docker clients do not retry a 429). */
export const DEFAULT_QUEUE_SIZE = 100;
export const DEFAULT_QUEUE_TIMEOUT_MS = 600_000;
/** The pool made when the config has no `pools` section: every backend instance, no limits. */
export const IMPLICIT_POOL = 'default';

const POOL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

const count = () => z.number().int().min(0);
const positive = () => z.number().int().min(1);

const limitsSchema = z.strictObject({
  maxContainers: positive().optional(),
  maxMemoryBytes: positive().optional(),
  defaultMemoryBytes: count().optional(),
});

const poolSchema = z.strictObject({
  backends: z.array(z.string().min(1)).min(1),
  maxConcurrency: positive().optional(),
  queueSize: count().optional(),
  queueTimeoutMs: positive().optional(),
  scheduler: z.string().min(1).optional(),
  limits: limitsSchema.optional(),
});

const POOL_NAME_RULE = 'a pool name is letters, digits, _ . - (up to 63), starting with a letter or digit';
const poolsSection = z.record(z.string(), poolSchema);

/** `POST /internal/pools`: a pool as in config, plus its name. */
const createSchema = poolSchema.extend({ name: z.string().regex(POOL_NAME, POOL_NAME_RULE) });

/** `PATCH /internal/pools/NAME`: null unsets (unlimited concurrency, the default scheduler, no limit). */
const patchSchema = z.strictObject({
  maxConcurrency: positive().nullable().optional(),
  queueSize: count().optional(),
  queueTimeoutMs: positive().optional(),
  scheduler: z.string().min(1).nullable().optional(),
  limits: z.strictObject({
    maxContainers: positive().nullable().optional(),
    maxMemoryBytes: positive().nullable().optional(),
    defaultMemoryBytes: count().nullable().optional(),
  }).optional(),
});

export type PoolPatch = z.infer<typeof patchSchema>;

function describe(prefix: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].filter(Boolean).join('.').replace(/\.\[/g, '[');
  return `${path || '(body)'}: ${issue.message}`;
}

function normalize(p: z.infer<typeof poolSchema>): PoolSpec {
  return {
    backends: p.backends,
    maxConcurrency: p.maxConcurrency,
    queueSize: p.queueSize ?? DEFAULT_QUEUE_SIZE,
    queueTimeoutMs: p.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS,
    scheduler: p.scheduler,
    limits: { ...p.limits },
  };
}

export interface PoolsConfig {
  pools: Map<string, PoolSpec>;
  defaultPool: string;
  /** False when the config has no `pools` section and the implicit pool was made. */
  explicit: boolean;
}

/**
 * Reads `pools` and `defaultPool` from the config. Shapes are checked here (boot fails naming the pool and
 * option); references to backend instances and schedulers are checked once those exist (`checkReferences`).
 */
export function parsePoolsConfig(section: unknown, defaultPool: unknown, allBackends: () => string[]): PoolsConfig {
  if (section === undefined) {
    const pools = new Map([[IMPLICIT_POOL, normalize({ backends: allBackends() })]]);
    if (defaultPool !== undefined && defaultPool !== IMPLICIT_POOL) throw new Error(`defaultPool: no pool named '${String(defaultPool)}' (no pools are configured)`);
    return { pools, defaultPool: IMPLICIT_POOL, explicit: false };
  }
  if (typeof section === 'object' && section !== null) {
    const bad = Object.keys(section).find((name) => !POOL_NAME.test(name));
    if (bad !== undefined) throw new Error(`pools.${bad}: ${POOL_NAME_RULE}`);
  }
  const parsed = poolsSection.safeParse(section);
  if (!parsed.success) throw new Error(describe('pools', parsed.error));
  const pools = new Map(Object.entries(parsed.data).map(([name, p]) => [name, normalize(p)]));
  if (pools.size === 0) throw new Error('pools: configure at least one pool, or leave the section out');
  if (defaultPool !== undefined && typeof defaultPool !== 'string') throw new Error('defaultPool: expected a pool name');
  const chosen = defaultPool ?? (pools.has(IMPLICIT_POOL) ? IMPLICIT_POOL : pools.keys().next().value!);
  if (!pools.has(chosen)) throw new Error(`defaultPool: no pool named '${chosen}' (configured: ${[...pools.keys()].join(', ')})`);
  return { pools, defaultPool: chosen, explicit: true };
}

/** The backends and scheduler a pool names must exist; `where` prefixes the message (`pools.ci`). */
export function checkReferences(where: string, spec: PoolSpec, backends: { has(n: string): boolean; names: string[] }, schedulers: string[]): string | undefined {
  for (const [i, b] of spec.backends.entries()) {
    if (!backends.has(b)) return `${where}.backends[${i}]: no backend instance named '${b}' (configured: ${backends.names.join(', ') || 'none'})`;
  }
  if (spec.scheduler !== undefined && !schedulers.includes(spec.scheduler)) {
    return `${where}.scheduler: no scheduler named '${spec.scheduler}' is registered (registered: ${schedulers.join(', ') || 'none; add a scheduler plugin such as scheduler-roundrobin'})`;
  }
  return undefined;
}

export function parseCreateBody(body: unknown): { name: string; spec: PoolSpec } {
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) throw new InvalidArgumentError(describe('', parsed.error));
  const { name, ...rest } = parsed.data;
  return { name, spec: normalize(rest) };
}

export function parsePatchBody(body: unknown): PoolPatch {
  const parsed = patchSchema.safeParse(body ?? {});
  if (!parsed.success) throw new InvalidArgumentError(describe('', parsed.error));
  if (Object.keys(parsed.data).length === 0) throw new InvalidArgumentError('nothing to change: give maxConcurrency, queueSize, queueTimeoutMs, scheduler or limits');
  return parsed.data;
}

/** A patch applied to a spec; `null` removes a setting. */
export function applyPatch(spec: PoolSpec, patch: PoolPatch): PoolSpec {
  const out: PoolSpec = { ...spec, limits: { ...spec.limits } };
  if (patch.maxConcurrency !== undefined) out.maxConcurrency = patch.maxConcurrency ?? undefined;
  if (patch.queueSize !== undefined) out.queueSize = patch.queueSize;
  if (patch.queueTimeoutMs !== undefined) out.queueTimeoutMs = patch.queueTimeoutMs;
  if (patch.scheduler !== undefined) out.scheduler = patch.scheduler ?? undefined;
  for (const [k, v] of Object.entries(patch.limits ?? {}) as Array<[keyof PoolSpec['limits'], number | null | undefined]>) {
    if (v === undefined) continue;
    if (v === null) delete out.limits[k];
    else out.limits[k] = v;
  }
  return out;
}
