import { AsyncLocalStorage } from 'node:async_hooks';
import { runToEnd, type Span, type SpanAttributes, type SpanOptions, type Tracer } from '../tracing';

export interface RecordedSpan {
  name: string;
  attributes: Record<string, unknown>;
  kind?: SpanOptions['kind'];
  /** The span active when this one started (async context), undefined for a root. */
  parent?: RecordedSpan;
  /** Messages of recorded exceptions and errors. */
  errors: string[];
  ended: boolean;
}

/**
 * A tracer that keeps its spans in memory, parents included, for a plugin's unit tests ("my driver makes one
 * span per cloud call"). The daemon's real tracer is the otel plugin's; this one follows the same rules.
 */
export class RecordingTracer implements Tracer {
  readonly enabled = true;
  readonly spans: RecordedSpan[] = [];
  private readonly active = new AsyncLocalStorage<RecordedSpan>();

  span<T>(name: string, attributes: SpanAttributes, fn: (span: Span) => T, options?: SpanOptions): T {
    const rec: RecordedSpan = { name, attributes: { ...attributes }, kind: options?.kind, parent: this.active.getStore(), errors: [], ended: false };
    this.spans.push(rec);
    const span: Span = {
      setAttribute: (k, v) => { rec.attributes[k] = v; },
      updateName: (n) => { rec.name = n; },
      recordException: (err) => { rec.errors.push(err instanceof Error ? err.message : String(err)); },
      setError: (m) => { rec.errors.push(m); },
    };
    return this.active.run(rec, () => runToEnd(span, () => { rec.ended = true; }, fn));
  }

  names(): string[] {
    return this.spans.map((s) => s.name);
  }
}
