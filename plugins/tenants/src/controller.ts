import {
  ForbiddenError, NotFoundError, POOL_LABEL, TENANT_LABEL, TooManyRequestsError, UnauthorizedError,
  type AdmissionController, type CreateAdmission, type RequestAdmission, type VolumeAdmission,
} from '@sockerless/sdk';
import type { Identity, Tenant, TenantsConfig } from './tenants-config';
import { TokenBucket } from './token-bucket';
import { checkHostAccess } from './host-access';

/** The SDK's tenant label marks a tenant's volumes as it marks its networks: only that tenant (and the operator) sees them. */
export { TENANT_LABEL };

/** Before the pools plugin (20), so the pool it checks is already the tenant's. */
export const TENANTS_ORDER = 10;

/**
 * Paths only the operator may use: the management API and the metrics (which name every pool). The router
 * matches paths case-insensitively, so the check does too, after undoing escapes and doubled slashes.
 */
const OPERATOR_ONLY = /^\/(internal|metrics)(\/|$)/;

export function isOperatorOnlyPath(path: string): boolean {
  let p = path;
  try {
    p = decodeURIComponent(p);
  } catch {
    // A malformed escape is not a route either way; check the raw text.
  }
  return OPERATOR_ONLY.test(p.toLowerCase().replace(/\/{2,}/g, '/'));
}

export interface ControllerOptions {
  /** Milliseconds from a monotonic clock; tests pass a fake one. */
  now?: () => number;
}

const OPERATOR: Identity = { kind: 'operator' };
/** No tenant can have this name (TENANT_NAME allows no spaces or parentheses). */
const REFUSED_CALLER = '(refused caller)';

/** The admission controller: who is calling (by bearer token), where they may create, what they may see. */
export function createTenantsController(config: TenantsConfig, opts: ControllerOptions = {}): AdmissionController {
  const now = opts.now ?? (() => performance.now());
  const buckets = new Map<string, TokenBucket>();
  for (const t of config.tenants.values()) if (t.createsPerMinute !== undefined) buckets.set(t.name, new TokenBucket(t.createsPerMinute, now));

  const identify = (bearerToken: string): Identity => {
    if (!bearerToken) {
      if (config.anonymous === 'deny') throw new UnauthorizedError('authentication required: send Authorization: Bearer TOKEN');
      return OPERATOR;
    }
    const who = config.byToken.get(bearerToken);
    if (!who) throw new UnauthorizedError('unknown API token');
    return who;
  };

  // onRequest has refused a caller it cannot identify already; anything that still asks sees nothing.
  const identifyOrNone = (request: RequestAdmission): Identity | undefined => {
    try {
      return identify(request.bearerToken);
    } catch {
      return undefined;
    }
  };

  const takeCreate = (tenant: Tenant) => {
    const bucket = buckets.get(tenant.name);
    if (!bucket) return;
    const waitMs = bucket.take();
    if (waitMs > 0) {
      throw new TooManyRequestsError(
        `tenant ${tenant.name} exceeded its create rate limit of ${bucket.perMinute} per minute`,
        Math.max(1, Math.ceil(waitMs / 1000)),
      );
    }
  };

  return {
    name: 'tenants',
    order: TENANTS_ORDER,
    onRequest(request: RequestAdmission) {
      const who = identify(request.bearerToken);
      if (who.kind === 'tenant' && isOperatorOnlyPath(request.path)) {
        throw new ForbiddenError(`tenant ${who.tenant.name} may not use the management API`);
      }
    },
    onCreate(request: CreateAdmission) {
      const who = identify(request.bearerToken);
      if (who.kind === 'operator') return;
      const { tenant } = who;
      const asked = request.pool ?? request.labels[POOL_LABEL];
      // The pools plugin's wording for an unknown pool, so another tenant's pool cannot be told from none.
      if (asked !== undefined && !tenant.poolSet.has(asked)) throw new NotFoundError(`no such pool: ${asked}`);
      checkHostAccess(tenant, request);
      // Checked after the pool so a refused create does not spend the tenant's budget.
      takeCreate(tenant);
      request.pool = asked ?? tenant.pools[0];
    },
    // The core keeps each tenant's networks (its default bridge included) its own; the operator is none.
    tenantOf(request: RequestAdmission) {
      let who: Identity;
      try {
        who = identify(request.bearerToken);
      } catch {
        // As canSee: onRequest has refused such a caller; if anything still asks, it owns no network.
        return REFUSED_CALLER;
      }
      return who.kind === 'tenant' ? who.tenant.name : undefined;
    },
    canSee(request: RequestAdmission, containerLabels: Record<string, string>) {
      const who = identifyOrNone(request);
      if (!who || who.kind === 'operator') return who !== undefined;
      const pool = containerLabels[POOL_LABEL];
      return pool !== undefined && who.tenant.poolSet.has(pool);
    },
    onVolumeCreate(request: VolumeAdmission) {
      const who = identify(request.bearerToken);
      // The operator's volumes stay unmarked (or marked by the operator, to hand one to a tenant).
      if (who.kind === 'tenant') request.labels[TENANT_LABEL] = who.tenant.name;
    },
    canSeeVolume(request: RequestAdmission, volumeLabels: Record<string, string>) {
      const who = identifyOrNone(request);
      if (!who || who.kind === 'operator') return who !== undefined;
      return volumeLabels[TENANT_LABEL] === who.tenant.name;
    },
  };
}
