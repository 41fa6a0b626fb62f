import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, isSpanContextValid, trace,
  type Attributes, type Context, type Span as OtelSpan, type Tracer as OtelApiTracer,
} from '@opentelemetry/api';
import { runToEnd, type Span, type SpanAttributes, type SpanOptions, type Tracer } from '@sockerless/sdk';

const KINDS: Record<NonNullable<SpanOptions['kind']>, SpanKind> = { internal: SpanKind.INTERNAL, server: SpanKind.SERVER, client: SpanKind.CLIENT };

/** W3C Trace Context: `version-traceid-parentid-flags`, lower-case hex; version ff is invalid. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The caller's span as a remote parent, or undefined for a header that is not valid Trace Context. */
export function remoteParent(traceparent: string): Context | undefined {
  const m = TRACEPARENT.exec(traceparent.trim());
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  const spanContext = { traceId: m[2], spanId: m[3], traceFlags: parseInt(m[4], 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : undefined;
}

function attributesOf(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}

function facade(span: OtelSpan): Span {
  return {
    setAttribute: (key, value) => { if (value !== undefined) span.setAttribute(key, value); },
    updateName: (name) => { span.updateName(name); },
    recordException: (err) => {
      const e = err instanceof Error ? err : new Error(String(err));
      span.recordException(e);
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    },
    setError: (message) => { span.setStatus({ code: SpanStatusCode.ERROR, message }); },
  };
}

/**
 * The SDK's Tracer on an OpenTelemetry tracer. The active span lives in this tracer's own AsyncLocalStorage
 * and parents are passed to `startSpan` explicitly, so nothing global is registered (no context manager, no
 * global provider): two daemons in one process (tests) keep their traces apart.
 */
export class OtelTracer implements Tracer {
  readonly enabled = true;
  private readonly active = new AsyncLocalStorage<Context>();

  constructor(private readonly tracer: OtelApiTracer) {}

  span<T>(name: string, attributes: SpanAttributes, fn: (span: Span) => T, options?: SpanOptions): T {
    const parent = (options?.traceparent ? remoteParent(options.traceparent) : undefined) ?? this.active.getStore() ?? ROOT_CONTEXT;
    const span = this.tracer.startSpan(name, { kind: KINDS[options?.kind ?? 'internal'], attributes: attributesOf(attributes) }, parent);
    return this.active.run(trace.setSpan(parent, span), () => runToEnd(facade(span), () => span.end(), fn));
  }
}
