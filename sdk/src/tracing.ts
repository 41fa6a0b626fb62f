import { createExtensionPoint } from './refs';
import type { CoreInterceptors } from './contracts/interceptors';

/**
 * The tracing contract. The tracing plugin (`otel`) sets the tracer every span goes to, and interceptors
 * (`CoreInterceptors`) that open a span per Docker API request and child spans for admission, the store and
 * every backend call; plugins add their own (a cloud SDK call) through `coreServices.tracer`. Without such a
 * plugin that tracer does nothing and the core wraps nothing at all: tracing that is off costs no call on any path.
 */

export type SpanAttributeValue = string | number | boolean;
/** Attribute names follow OpenTelemetry's conventions (`http.route`, `rpc.method`, `aws.request_id`); undefined ones are left out. */
export type SpanAttributes = Record<string, SpanAttributeValue | undefined>;

export interface Span {
  setAttribute(key: string, value: SpanAttributeValue | undefined): void;
  /** Renames the span once more is known (the request's route template, found only by routing). */
  updateName(name: string): void;
  /** Records an error on the span and marks it failed; `Tracer.span` does this for a throw. */
  recordException(err: unknown): void;
  /** Marks the span failed without an exception (an answer with a 5xx status). */
  setError(message: string): void;
}

export interface SpanOptions {
  /** OpenTelemetry's span kind: `server` for a request received, `client` for a call made. */
  kind?: 'internal' | 'server' | 'client';
  /** A W3C `traceparent` the caller sent (a header): the span joins the caller's trace as its child. */
  traceparent?: string;
}

export interface Tracer {
  /** False for the tracer that does nothing, so a caller can skip work done only for spans. */
  readonly enabled: boolean;
  /**
   * Runs `fn` in a new span, a child of the span active in this async context; inside `fn` (and whatever it
   * starts, awaited or not) the new span is the active one. The span ends when `fn` returns, or when the
   * promise it returns settles; a throw or a rejection is recorded on the span and passed on unchanged. A
   * synchronous `fn` stays synchronous.
   */
  span<T>(name: string, attributes: SpanAttributes, fn: (span: Span) => T, options?: SpanOptions): T;
}

const NOOP_SPAN: Span = { setAttribute: () => undefined, updateName: () => undefined, recordException: () => undefined, setError: () => undefined };

/** The tracer of a daemon without a tracing plugin: runs the function, nothing else. */
export const noopTracer: Tracer = Object.freeze({
  enabled: false,
  span: <T>(_name: string, _attributes: SpanAttributes, fn: (span: Span) => T): T => fn(NOOP_SPAN),
});

/**
 * For tracer implementations: runs `fn` with `span`, then calls `end` when `fn` returns or its promise
 * settles, recording a throw or rejection first; the result (or the error) is `fn`'s own.
 */
export function runToEnd<T>(span: Span, end: () => void, fn: (span: Span) => T): T {
  let result: T;
  try {
    result = fn(span);
  } catch (err) {
    span.recordException(err);
    end();
    throw err;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return (result as unknown as PromiseLike<unknown>).then(
      (value) => { end(); return value; },
      (err: unknown) => { span.recordException(err); end(); throw err; },
    ) as T;
  }
  end();
  return result;
}

/**
 * The same object, with each named method run in a span of its own (`<prefix>.<method>`); other properties,
 * and methods the object does not have, are left as they are, so optional methods stay optional.
 */
export function withSpans<T extends object>(target: T, tracer: Tracer, prefix: string, methods: (name: string) => boolean, attributesOf: (args: unknown[]) => SpanAttributes): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      // Read on the object itself, not the proxy: a getter or method may use the class's #private fields.
      const value = Reflect.get(obj, prop) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || !methods(prop)) return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const original = value as (...args: unknown[]) => unknown;
        fn = (...args: unknown[]) => tracer.span(`${prefix}.${prop}`, attributesOf(args), () => original.apply(obj, args));
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/**
 * Cardinality one: the plugin that exports traces sets the tracer every span goes to (`coreServices.tracer`
 * forwards to it) and, optionally, what it wraps around the core's calls to make the core's own spans.
 */
export interface TracingRegistry {
  setTracer(tracer: Tracer, interceptors?: CoreInterceptors): void;
}

export const coreTracingExtensionPoint = createExtensionPoint<TracingRegistry>({ id: 'core.tracing', cardinality: 'single' });
