import type { Tracer } from '@sockerless/sdk';

/** What the AWS SDK v3 hands a middleware: the client and command names of the call. */
interface AwsHandlerContext {
  clientName?: string;
  commandName?: string;
}

interface AwsMetadataCarrier {
  $metadata?: { requestId?: string; httpStatusCode?: number; attempts?: number };
}

// `any`, as the AWS SDK's own handler types are generic over each client's inputs and outputs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AwsHandler = (args: any) => Promise<any>;

/** The part of an AWS SDK v3 client this needs, structurally, so the SDK does not depend on the AWS SDK. */
export interface AwsClientWithMiddleware {
  middlewareStack: {
    add(middleware: (next: AwsHandler, context: AwsHandlerContext) => AwsHandler, options: { step: 'initialize'; name: string; override?: boolean }): void;
  };
}

/**
 * One client span per AWS call (`AWS ECS.RunTask`), with the request id AWS answered (`aws.request_id`,
 * also on a failed call), as OpenTelemetry's AWS SDK instrumentation names them (`rpc.system` `aws-api`,
 * `rpc.service`, `rpc.method`). Added at the `initialize` step, so one span covers the SDK's retries
 * (`aws.attempts`). Adds nothing when tracing is off.
 */
export function traceAwsClient(client: AwsClientWithMiddleware, tracer: Tracer | undefined): void {
  if (!tracer?.enabled) return;
  client.middlewareStack.add((next, context) => (args) => {
    const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
    const method = (context.commandName ?? 'Call').replace(/Command$/, '');
    return tracer.span(`AWS ${service}.${method}`, { 'rpc.system': 'aws-api', 'rpc.service': service, 'rpc.method': method }, async (span) => {
      const record = (meta: AwsMetadataCarrier['$metadata']) => {
        span.setAttribute('aws.request_id', meta?.requestId);
        span.setAttribute('http.response.status_code', meta?.httpStatusCode);
        span.setAttribute('aws.attempts', meta?.attempts);
      };
      try {
        const out = await next(args);
        record((out as { output?: AwsMetadataCarrier }).output?.$metadata);
        return out;
      } catch (err) {
        record((err as AwsMetadataCarrier | undefined)?.$metadata);
        throw err;
      }
    }, { kind: 'client' });
  }, { step: 'initialize', name: 'sockerlessTracing', override: true });
}
