import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';
import type { ApiRequestEnd, CoreInterceptors } from '@sockerless/sdk';
import type { ContainerEngine } from '../engine/container-engine';
import { ATTACH_WS_PATH } from './attach-websocket';
import { ATTACH_PATH, EXEC_START_PATH } from './hijack';
import { bearerOf, VERSION_PREFIX } from '@sockerless/sdk/api';

/** The tracing plugin's `CoreInterceptors.apiRequest`: around every request, given what the core found. */
export type RequestObserver = NonNullable<CoreInterceptors['apiRequest']>;

/** Who may see the caller's containers. */
type TenantLookup = Pick<ContainerEngine, 'tenantOf'>;

/** The tenant, once admission ran; a caller no controller knows was refused, which the status already says. */
function tenantOf(tenants: TenantLookup, req: IncomingMessage, path: string): string | undefined {
  try {
    return tenants.tenantOf({ method: req.method ?? 'GET', path, bearerToken: bearerOf(req.headers) });
  } catch {
    return undefined;
  }
}

/** Outermost, so the observer sees the status Docker's error mapping chose; koa's router names the route. */
export function observeRequests(observe: RequestObserver, tenants: TenantLookup): Koa.Middleware {
  return (ctx, next) => observe({ method: ctx.method, path: ctx.path, headers: ctx.req.headers }, async (): Promise<ApiRequestEnd> => {
    await next();
    const route = (ctx as { _matchedRoute?: string })._matchedRoute;
    return { route, status: ctx.status, apiVersion: ctx.state.apiVersion as string | undefined, tenant: tenantOf(tenants, ctx.req, ctx.path) };
  });
}

const UPGRADE_ROUTES: ReadonlyArray<[RegExp, string]> = [
  [ATTACH_WS_PATH, '/containers/:id/attach/ws'],
  [ATTACH_PATH, '/containers/:id/attach'],
  [EXEC_START_PATH, '/exec/:id/start'],
];

/** The same for a hijacked request (attach, exec start), which Node hands over before koa sees it. */
export function observeUpgrade(observe: RequestObserver | undefined, tenants: TenantLookup, req: IncomingMessage, handle: () => Promise<void>): Promise<void> {
  if (!observe) return handle();
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const m = VERSION_PREFIX.exec(pathname);
  const path = m ? m[2] : pathname;
  return observe({ method: req.method ?? 'POST', path: pathname, headers: req.headers, hijacked: true }, async () => {
    await handle();
    return { route: UPGRADE_ROUTES.find(([re]) => re.test(path))?.[1], apiVersion: m?.[1], tenant: tenantOf(tenants, req, path) };
  });
}
