import { randomUUID } from 'node:crypto';
import type { Tracer } from '@sockerless/sdk';
import { googleCall } from './errors';

/**
 * One client span per Google call (`GCP run.CreateJob`), named as OpenTelemetry's RPC conventions name them
 * (`rpc.system` `gcp-api`, `rpc.service`, `rpc.method`), with the call's request id (`gcp.request_id`): made
 * here and sent by the caller as the `x-goog-request-id` header (`requestIdHeader`), since a REST answer hands
 * the client no id of Google's. A failed call's status is `gcp.status`. Runs the call alone when tracing is off.
 */
export function traceGoogleCall<T>(tracer: Tracer | undefined, service: string, method: string, call: (requestId: string) => Promise<T>): Promise<T> {
  const requestId = randomUUID();
  if (!tracer?.enabled) return call(requestId);
  return tracer.span(`GCP ${service}.${method}`, { 'rpc.system': 'gcp-api', 'rpc.service': service, 'rpc.method': method, 'gcp.request_id': requestId }, async (span) => {
    try {
      return await call(requestId);
    } catch (err) {
      const e = err as { code?: unknown; status?: unknown };
      span.setAttribute('gcp.status', typeof e.status === 'number' || typeof e.status === 'string' ? e.status : typeof e.code === 'number' ? e.code : undefined);
      throw err;
    }
  }, { kind: 'client' });
}

/** Call options that send the request id as a header (gax passes `otherArgs.headers` on to the HTTP request). */
export function requestIdHeader(requestId: string): { otherArgs: { headers: Record<string, string> } } {
  return { otherArgs: { headers: { 'x-goog-request-id': requestId } } };
}

/**
 * A call of a Google client as a backend makes it: a span (`traceGoogleCall`) whose request id the call sends
 * (`options`, `requestIdHeader`), Google's errors mapped to the SDK's and quota and unavailability retried
 * (`googleCall`) inside it.
 */
export function callGoogle<T>(
  p: { tracer?: Tracer; attempts: number }, service: string, method: string,
  call: (options: ReturnType<typeof requestIdHeader>) => Promise<T>,
): Promise<T> {
  return traceGoogleCall(p.tracer, service, method, (requestId) => googleCall(() => call(requestIdHeader(requestId)), service, { attempts: p.attempts }));
}
