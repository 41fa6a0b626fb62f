import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';
import type { RequestAdmission, Span, Tracer } from '@sockerless/sdk';
import { ATTACH_WS_PATH } from './attach-websocket';
import { ATTACH_PATH, EXEC_START_PATH } from './hijack';
import { bearerOf, VERSION_PREFIX } from '@sockerless/sdk/api';

/** Who may see the caller's containers (the engine's `tenantOf`), for the span's `sockerless.tenant`. */
export interface TenantLookup {
  tenantOf(caller: RequestAdmission): string | undefined;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The caller's attributes, once admission ran: the tenant (never the token), the client. */
function describeCaller(span: Span, req: IncomingMessage, path: string, tenants: TenantLookup): void {
  span.setAttribute('user_agent.original', headerOf(req, 'user-agent'));
  try {
    span.setAttribute('sockerless.tenant', tenants.tenantOf({ method: req.method ?? 'GET', path, bearerToken: bearerOf(req.headers) }));
  } catch {
    // A caller no controller knows: the request itself was refused, which the status already says.
  }
}

/**
 * A root span per Docker API request, `HTTP <METHOD> <route template>` (`HTTP POST /containers/:id/start`),
 * as dockerd's own otelhttp handler does, with the status, the API version and the caller. A `traceparent`
 * header (the docker CLI sends one from `HttpHeaders` in its config.json) makes it a child of the caller's
 * trace, so every request of one `docker run` can be one trace. Outermost, so it sees the mapped error status.
 */
export function requestTracing(tracer: Tracer, tenants: TenantLookup): Koa.Middleware {
  return (ctx, next) => tracer.span(`HTTP ${ctx.method}`, {
    'http.request.method': ctx.method,
    'url.path': ctx.path,
  }, async (span) => {
    await next();
    const route = (ctx as { _matchedRoute?: string })._matchedRoute;
    if (route) {
      span.updateName(`HTTP ${ctx.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', ctx.status);
    span.setAttribute('docker.api_version', ctx.state.apiVersion as string | undefined);
    describeCaller(span, ctx.req, ctx.path, tenants);
    if (ctx.status >= 500 && ctx.status !== 501) span.setError(`HTTP ${ctx.status}`);
  }, { kind: 'server', traceparent: headerOf(ctx.req, 'traceparent') });
}

const UPGRADE_ROUTES: ReadonlyArray<[RegExp, string]> = [
  [ATTACH_WS_PATH, '/containers/:id/attach/ws'],
  [ATTACH_PATH, '/containers/:id/attach'],
  [EXEC_START_PATH, '/exec/:id/start'],
];

/** The same span for a hijacked request (attach, exec start), which Node hands over before koa sees it. */
export function traceUpgrade(tracer: Tracer | undefined, tenants: TenantLookup, req: IncomingMessage, handle: () => Promise<void>): Promise<void> {
  if (!tracer?.enabled) return handle();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const m = VERSION_PREFIX.exec(url.pathname);
  const path = m ? m[2] : url.pathname;
  const route = UPGRADE_ROUTES.find(([re]) => re.test(path))?.[1];
  const method = req.method ?? 'POST';
  return tracer.span(route ? `HTTP ${method} ${route}` : `HTTP ${method}`, {
    'http.request.method': method,
    'url.path': path,
    'http.route': route,
    'docker.api_version': m?.[1],
    'http.upgrade': String(req.headers.upgrade ?? ''),
  }, async (span) => {
    await handle();
    describeCaller(span, req, path, tenants);
  }, { kind: 'server', traceparent: headerOf(req, 'traceparent') });
}
