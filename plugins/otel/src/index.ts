import { coreServices, coreTracingExtensionPoint, definePlugin, z } from '@sockerless/sdk';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtelTracer } from './otel-tracer';
import { ReportingExporter } from './reporting-exporter';

export { OtelTracer, remoteParent } from './otel-tracer';
export { ReportingExporter } from './reporting-exporter';

/** OTLP/HTTP's default traces URL, where a local OpenTelemetry Collector listens. */
export const DEFAULT_OTLP_TRACES_URL = 'http://127.0.0.1:4318/v1/traces';

export const otelOptionsSchema = z.strictObject({
  /** The OTLP/HTTP traces URL (a collector's `/v1/traces`); spans are POSTed there as OTLP JSON. */
  endpoint: z.url({ protocol: /^https?$/ }).default(DEFAULT_OTLP_TRACES_URL),
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
 * writes, each backend call and each cloud SDK call (AWS request ids), exported by OTLP/HTTP in batches.
 * Off unless listed in `plugins`; without it the core's tracer does nothing and wraps nothing.
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
          const exporter = new ReportingExporter(new OTLPTraceExporter({ url: options.endpoint, headers: options.headers }), logger, options.endpoint);
          const processor = settings.spanProcessor ?? new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.exportDelayMs });
          const provider = new BasicTracerProvider({
            resource: resources.resourceFromAttributes({ 'service.name': options.serviceName }),
            sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
            spanProcessors: [processor],
          });
          tracing.setTracer(new OtelTracer(provider.getTracer('sockerless')));
          // Sends what is still batched (the core has closed its backends by then, so their last spans go too),
          // unless the collector is known to be down: a stop must not wait for the exporter's retries to give up.
          lifecycle.onShutdown(async () => { if (!exporter.isFailing) await provider.shutdown(); }, { timeoutMs: 3000 });
          logger.info('traces go to an OTLP/HTTP endpoint', { endpoint: settings.spanProcessor ? '(in-process span processor)' : options.endpoint, sampleRatio: options.sampleRatio });
        },
      });
    },
  });
}

export default createOtelPlugin();
