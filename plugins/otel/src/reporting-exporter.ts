import type { Logger } from '@sockerless/sdk';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

type ExportCallback = Parameters<SpanExporter['export']>[1];
type ExportResult = Parameters<ExportCallback>[0];

/** OpenTelemetry's ExportResultCode.SUCCESS. */
const SUCCESS = 0;

/**
 * The exporter, with its failures in the daemon's log: OpenTelemetry reports them only to its global
 * diagnostic logger, which nothing reads, so a wrong endpoint would lose every span in silence. One warning
 * when exports start failing (with the count of spans lost until they succeed again), one line when they
 * recover: a collector that is down for an hour writes two lines, not one per batch.
 */
export class ReportingExporter implements SpanExporter {
  private failing = false;
  private lostSpans = 0;

  /** Whether the last export failed: a shutdown then does not wait to send the last batch to nobody. */
  get isFailing(): boolean {
    return this.failing;
  }

  constructor(private readonly inner: SpanExporter, private readonly logger: Logger, private readonly endpoint: string) {}

  export(spans: Parameters<SpanExporter['export']>[0], resultCallback: ExportCallback): void {
    this.inner.export(spans, (result: ExportResult) => {
      if (result.code === SUCCESS) {
        if (this.failing) this.logger.info('trace export works again', { endpoint: this.endpoint, spansLost: this.lostSpans });
        this.failing = false;
        this.lostSpans = 0;
      } else {
        if (!this.failing) this.logger.warn('trace export failed: spans are dropped until it works again', { endpoint: this.endpoint, err: result.error?.message });
        this.failing = true;
        this.lostSpans += spans.length;
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
