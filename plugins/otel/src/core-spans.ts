import { withSpans, type AdmissionController, type ApiRequestEnd, type ApiRequestStart, type BackendDriver, type CoreInterceptors, type StateStore, type Tracer } from '@sockerless/sdk';

/** An id, or the `id` of a spec or record: a driver call's container (its first argument), a store write's record (its second). */
function idOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const id = (arg as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** Called on every scheduling decision and read as a property: no span. */
const UNTRACED_DRIVER_METHODS = new Set(['available']);

/** Every driver method (`backend.start`, `backend.exec`, ...), with the instance, its kind and the container. */
export function tracedDriver(driver: BackendDriver, tracer: Tracer, instance: string): BackendDriver {
  if (!tracer.enabled) return driver;
  return withSpans(driver, tracer, 'backend', (m) => !UNTRACED_DRIVER_METHODS.has(m), (args) => ({
    'sockerless.backend': instance,
    'sockerless.backend.kind': driver.kind,
    'sockerless.container.id': idOf(args[0]),
  }));
}

/** Writes only: reads happen at boot, from memory afterwards. */
const STORE_WRITES = new Set(['put', 'delete', 'appendEvent']);

/** The store's writes (`store.put`, `store.delete`, `store.appendEvent`), with the record's kind and id. */
export function tracedStore(store: StateStore, tracer: Tracer, pluginId: string): StateStore {
  if (!tracer.enabled) return store;
  return withSpans<StateStore>(store, tracer, 'store', (m) => STORE_WRITES.has(m), (args) => ({
    'sockerless.store.kind': typeof args[0] === 'string' && args.length > 1 ? args[0] : undefined,
    'sockerless.record.id': idOf(args[1]),
    'sockerless.plugin': pluginId,
  }));
}

/** The controllers' calls that may wait, refuse or reserve; the visibility checks run per listed item and stay bare. */
const ADMISSION_CALLS = new Set(['onRequest', 'onCreate', 'onStart']);

export function tracedAdmission(controller: AdmissionController, tracer: Tracer): AdmissionController {
  if (!tracer.enabled) return controller;
  return withSpans(controller, tracer, `admission.${controller.name}`, (m) => ADMISSION_CALLS.has(m), () => ({ 'sockerless.admission.controller': controller.name }));
}

function headerOf(headers: ApiRequestStart['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A root span per Docker API request, `HTTP <METHOD> <route template>` (`HTTP POST /containers/:id/start`),
 * as dockerd's own otelhttp handler does, with the status, the API version and the caller (the tenant, never
 * the token). A `traceparent` header (the docker CLI sends one from `HttpHeaders` in its config.json) makes it
 * a child of the caller's trace, so every request of one `docker run` can be one trace.
 */
export function tracedRequest(tracer: Tracer, req: ApiRequestStart, handle: () => Promise<ApiRequestEnd>): Promise<void> {
  return tracer.span(`HTTP ${req.method}`, {
    'http.request.method': req.method,
    'url.path': req.path,
    'http.upgrade': req.hijacked ? String(req.headers.upgrade ?? '') : undefined,
  }, async (span) => {
    const { route, status, apiVersion, tenant } = await handle();
    if (route) {
      span.updateName(`HTTP ${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', status);
    span.setAttribute('docker.api_version', apiVersion);
    span.setAttribute('user_agent.original', headerOf(req.headers, 'user-agent'));
    span.setAttribute('sockerless.tenant', tenant);
    if (status !== undefined && status >= 500 && status !== 501) span.setError(`HTTP ${status}`);
  }, { kind: 'server', traceparent: headerOf(req.headers, 'traceparent') });
}

/** The core's own spans: what the otel plugin hands the core beside its tracer. */
export function coreSpans(tracer: Tracer): CoreInterceptors {
  return {
    backendDriver: (driver, instance) => tracedDriver(driver, tracer, instance),
    store: (store, pluginId) => tracedStore(store, tracer, pluginId),
    admissionController: (controller) => tracedAdmission(controller, tracer),
    apiRequest: (req, handle) => tracedRequest(tracer, req, handle),
  };
}
