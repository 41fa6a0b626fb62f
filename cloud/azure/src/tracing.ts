import { randomUUID } from 'node:crypto';
import type { Tracer } from '@sockerless/sdk';

/** A response as the Azure clients hand it to `onResponse`: its status and headers. */
export interface AzureRawResponse {
  status: number;
  headers: { get(name: string): string | undefined };
  bodyAsText?: string | null;
}

/**
 * Operation options that send the call's client request id (`x-ms-client-request-id`, which ARM echoes and logs)
 * and see each response: what every Azure client (ARM's core-client and the newer TypeSpec clients) takes.
 */
export interface AzureCallOptions {
  requestOptions: { customHeaders: Record<string, string>; headers: Record<string, string> };
  onResponse(raw: AzureRawResponse, ...rest: unknown[]): void;
}

/**
 * One client span per Azure call (`Azure containerapps.CreateJob`), named as OpenTelemetry's RPC conventions
 * name them (`rpc.system` `azure-api`, `rpc.service`, `rpc.method`), with the request id Azure answered
 * (`x-ms-request-id` of the first response, `azure.request_id`) and the client request id sent
 * (`azure.client_request_id`). A failed call's HTTP status is `http.response.status_code`. `onRaw` sees every
 * response too (a caller reading a field the SDK's model drops). Runs the call alone when tracing is off.
 */
export function traceAzureCall<T>(
  tracer: Tracer | undefined, service: string, method: string,
  call: (options: AzureCallOptions) => Promise<T>, onRaw?: (raw: AzureRawResponse) => void,
): Promise<T> {
  const clientRequestId = randomUUID();
  let requestId: string | undefined;
  let status: number | undefined;
  const options: AzureCallOptions = {
    requestOptions: { customHeaders: { 'x-ms-client-request-id': clientRequestId }, headers: { 'x-ms-client-request-id': clientRequestId } },
    onResponse: (raw) => {
      requestId ??= raw.headers.get('x-ms-request-id');
      status = raw.status;
      onRaw?.(raw);
    },
  };
  if (!tracer?.enabled) return call(options);
  return tracer.span(`Azure ${service}.${method}`, { 'rpc.system': 'azure-api', 'rpc.service': service, 'rpc.method': method, 'azure.client_request_id': clientRequestId }, async (span) => {
    try {
      return await call(options);
    } catch (err) {
      const e = err as { statusCode?: unknown; code?: unknown };
      status = typeof e.statusCode === 'number' ? e.statusCode : status;
      if (typeof e.code === 'string') span.setAttribute('azure.error_code', e.code);
      throw err;
    } finally {
      span.setAttribute('azure.request_id', requestId);
      span.setAttribute('http.response.status_code', status);
    }
  }, { kind: 'client' });
}
