import { coreServices, coreTracingExtensionPoint, definePlugin, z } from '@sockerless/sdk';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtelTracer } from './otel-tracer';
import { coreSpans } from './core-spans';
import { ReportingExporter } from './reporting-exporter';

export { OtelTracer, remoteParent } from './otel-tracer';
export { ReportingExporter } from './reporting-exporter';
export { coreSpans } from './core-spans';

/** OTLP/HTTP's default traces URL, where a local OpenTelemetry Collector listens (the exporter's own default). */
export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

/** Where spans go when the config names no endpoint, as the OTLP exporter resolves it. */
function endpointFromEnvironment(): string {
  const traces = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (traces) return traces;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/$/, '')}/v1/traces` : DEFAULT_OTLP_TRACES_URL;
}

/** How long a stop waits for the last batch to be taken. */
const LAST_BATCH_WAIT_MS = 2500;

export const otelOptionsSchema = z.strictObject({
  /**
   * The OTLP/HTTP traces URL (a collector's `/v1/traces`); spans are POSTed there as OTLP JSON. Without it the
   * exporter reads OpenTelemetry's environment (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`),
   * then uses DEFAULT_OTLP_TRACES_URL.
   */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** `service.name` of every span. */
  serviceName: z.string().min(1).default('sockerless'),
  /** Sent with every export (an API key of a tracing service). */
  headers: z.record(z.string(), z.string()).default({}),
  /** The share of new traces kept (0 to 1); a request that joins its caller's trace follows the caller's choice. */
  sampleRatio: z.number().min(0).max(1).default(1),
  /** How long finished spans wait to be sent in one batch (OpenTelemetry's default is 5 s). */
  exportDelayMs: z.number().int().min(1).default(5000),
});
export type OtelOptions = z.infer<typeof otelOptionsSchema>;

export interface OtelPluginSettings {
  /** Where spans go instead of the OTLP/HTTP exporter: a test's SimpleSpanProcessor(InMemorySpanExporter). */
  spanProcessor?: SpanProcessor;
}

/**
 * Traces with OpenTelemetry: a span per Docker API request, with child spans for admission, the store's
 * writes, each backend call (core-spans.ts, which the core applies as this plugin's interceptors) and each
 * cloud SDK call (AWS request ids), exported by OTLP/HTTP in batches. Off unless listed in `plugins`;
 * without it the core's tracer does nothing and wraps nothing.
 */
export function createOtelPlugin(settings: OtelPluginSettings = {}) {
  return definePlugin({
    id: 'otel',
    sdk: '^1.0.0',
    options: otelOptionsSchema,
    register(reg) {
      reg.registerInit({
        deps: { tracing: coreTracingExtensionPoint, lifecycle: coreServices.lifecycle, logger: coreServices.logger },
        async init({ tracing, lifecycle, logger }, options) {
          // Loaded here, not at import: listing the plugin's package costs nothing until it is configured.
          const [{ BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resources }] = await Promise.all([
            import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/exporter-trace-otlp-http'), import('@opentelemetry/sdk-node'),
          ]);
          const endpoint = options.endpoint ?? endpointFromEnvironment();
          const exporter = new ReportingExporter(new OTLPTraceExporter({ url: endpoint, headers: options.headers }), logger, endpoint);
          const processor = settings.spanProcessor ?? new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.exportDelayMs });
          const provider = new BasicTracerProvider({
            resource: resources.resourceFromAttributes({ 'service.name': options.serviceName }),
            sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
            spanProcessors: [processor],
          });
          const tracer = new OtelTracer(provider.getTracer('sockerless'));
          tracing.setTracer(tracer, coreSpans(tracer));
          // Sends what is still batched (the core has closed its backends by then, so their last spans go too),
          // unless the collector is known to be down: a stop must not wait for the exporter's retries to give up.
          lifecycle.onShutdown(async () => {
            if (exporter.isFailing) return;
            let timer: NodeJS.Timeout | undefined;
            const sent = await Promise.race([
              provider.shutdown().then(() => true, () => false),
              new Promise<false>((r) => { timer = setTimeout(() => r(false), LAST_BATCH_WAIT_MS); }),
            ]).finally(() => clearTimeout(timer));
            if (!sent && !settings.spanProcessor) logger.warn('the last spans were not sent: the collector did not take them in time', { endpoint, waitedMs: LAST_BATCH_WAIT_MS });
          }, { timeoutMs: LAST_BATCH_WAIT_MS + 500 });
          logger.info('traces go to an OTLP/HTTP endpoint', { endpoint: settings.spanProcessor ? '(in-process span processor)' : endpoint, sampleRatio: options.sampleRatio });
        },
      });
    },
  });
}

export default createOtelPlugin();
