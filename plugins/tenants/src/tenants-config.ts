import { z } from '@sockerless/sdk';

/** The same rule the pools plugin applies, so a tenant cannot be given a pool name no pool could have. */
const POOL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
/** Tenant names show up in error messages and logs; keep them to one plain word. */
const TENANT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

// The core trims the Authorization header, so a token with whitespace could never match: reject it at boot.
const token = () => z.string().regex(/^\S+$/, 'a token is a non-empty string without whitespace');

const tenantSchema = z.strictObject({
  tokens: z.array(token()).min(1, 'give the tenant at least one token'),
  pools: z.array(z.string().regex(POOL_NAME, 'a pool name is letters, digits, _ . - (up to 63), starting with a letter or digit'))
    .min(1, 'give the tenant at least one pool (the first is its default)'),
  // Whole creates: a fractional bucket capacity below 1 would refuse every create.
  createsPerMinute: z.number().int('expected a whole number of creates').positive().optional(),
  // A bind mount reads and writes the daemon's host, its config (and so every token) included: off by default.
  allowBindMounts: z.boolean().optional(),
  // Bind mounts only under these host directories (absolute); implies allowBindMounts for them.
  allowedBindPaths: z.array(z.string().regex(/^\//, 'an allowed bind path is absolute')).min(1, 'list at least one path, or leave allowedBindPaths out').optional(),
  // Nothing beyond Docker's default confinement: no Privileged, host namespaces, CapAdd, Devices, unconfined SecurityOpt.
  unprivileged: z.boolean().optional(),
});

const sectionSchema = z.strictObject({
  anonymous: z.enum(['operator', 'deny']).optional(),
  operatorTokens: z.array(token()).optional(),
  tenants: z.record(z.string().regex(TENANT_NAME, 'a tenant name is letters, digits, _ . - (up to 63), starting with a letter or digit'), tenantSchema),
});

export interface Tenant {
  name: string;
  /** In config order; the first is where the tenant's containers go when they name no pool. */
  pools: readonly string[];
  poolSet: ReadonlySet<string>;
  createsPerMinute?: number;
  allowBindMounts: boolean;
  /** When set, bind sources must lie under one of these. */
  allowedBindPaths?: readonly string[];
  unprivileged: boolean;
}

export type Identity = { kind: 'operator' } | { kind: 'tenant'; tenant: Tenant };

export interface TenantsConfig {
  /** What a request without a token is. */
  anonymous: 'operator' | 'deny';
  /** Every configured token, operator and tenant, for a single O(1) lookup per request. */
  byToken: ReadonlyMap<string, Identity>;
  tenants: ReadonlyMap<string, Tenant>;
  operatorTokenCount: number;
}

/** `tenants.tenants.red.tokens[0]`: the path a user edits, as the pools plugin prints it. */
function pathOf(parts: ReadonlyArray<PropertyKey>): string {
  return ['tenants', ...parts.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${pathOf(issue.path)}: ${issue.message}`;
}

/**
 * Reads and checks the top-level `tenants` section. Throws an Error whose message starts with the offending
 * path; the host prefixes the plugin's name. The message never contains a token, since boot errors are logged.
 */
export function parseTenantsConfig(section: unknown): TenantsConfig {
  if (section === undefined) {
    throw new Error("tenants: the tenants plugin needs a top-level 'tenants' section (tenants: { tenants: { NAME: { tokens, pools } } })");
  }
  const parsed = sectionSchema.safeParse(section);
  if (!parsed.success) throw new Error(describe(parsed.error));
  const { anonymous = 'operator', operatorTokens = [], tenants: tenantSpecs } = parsed.data;

  const byToken = new Map<string, Identity>();
  // Where each token was first seen, so a duplicate names both places without printing the secret.
  const seenAt = new Map<string, string>();
  const claim = (value: string, where: string, identity: Identity) => {
    const prior = seenAt.get(value);
    if (prior) throw new Error(`${where}: the same token is already listed at ${prior}; a token must belong to one tenant or to the operator`);
    seenAt.set(value, where);
    byToken.set(value, identity);
  };
  const operator: Identity = { kind: 'operator' };
  operatorTokens.forEach((t, i) => claim(t, pathOf(['operatorTokens', i]), operator));

  const tenants = new Map<string, Tenant>();
  for (const [name, spec] of Object.entries(tenantSpecs)) {
    const tenant: Tenant = { name, pools: spec.pools, poolSet: new Set(spec.pools), createsPerMinute: spec.createsPerMinute, allowBindMounts: spec.allowBindMounts ?? false,
      allowedBindPaths: spec.allowedBindPaths, unprivileged: spec.unprivileged ?? false,
    };
    tenants.set(name, tenant);
    const identity: Identity = { kind: 'tenant', tenant };
    spec.tokens.forEach((t, i) => claim(t, pathOf(['tenants', name, 'tokens', i]), identity));
  }
  if (anonymous === 'deny' && byToken.size === 0) {
    throw new Error("tenants.anonymous: 'deny' with no operatorTokens and no tenants would refuse every request");
  }
  return { anonymous, byToken, tenants, operatorTokenCount: operatorTokens.length };
}

/** Tenants that share a pool see each other's containers there: allowed, but worth a warning at boot. */
export function sharedPools(config: TenantsConfig): Array<{ pool: string; tenants: string[] }> {
  const owners = new Map<string, string[]>();
  for (const t of config.tenants.values()) for (const p of t.poolSet) owners.set(p, [...(owners.get(p) ?? []), t.name]);
  return [...owners].filter(([, names]) => names.length > 1).map(([pool, names]) => ({ pool, tenants: names }));
}
