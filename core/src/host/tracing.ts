import { noopTracer, withSpans, type AdmissionController, type BackendDriver, type StateStore, type Tracer } from '@sockerless/sdk';
import type { CoreRegistries } from './registries';

/**
 * The `core.tracer` service every plugin receives: it forwards to the tracer a tracing plugin sets during
 * init (`coreTracingExtensionPoint`), so a plugin that resolved it before the tracing plugin ran still gets
 * real spans, and does nothing when no tracing plugin is configured.
 */
export class CoreTracer implements Tracer {
  private target: Tracer = noopTracer;

  get enabled(): boolean {
    return this.target.enabled;
  }

  /** Called once, after every plugin's init. */
  use(tracer: Tracer | undefined): void {
    this.target = tracer ?? noopTracer;
  }

  span: Tracer['span'] = (name, attributes, fn, options) => this.target.span(name, attributes, fn, options);
}

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

/** The controllers' calls that may wait, refuse or reserve; the visibility checks run per listed item and stay bare. */
const ADMISSION_CALLS = new Set(['onRequest', 'onCreate', 'onStart']);

/**
 * Puts the store's writes and the admission controllers' calls in spans, once every plugin has initialised
 * and only when a tracing plugin set a tracer: without one the core keeps the plugins' own objects.
 */
export function traceContributions(registries: CoreRegistries, tracer: Tracer): void {
  if (!tracer.enabled) return;
  const store = registries.store;
  if (store) {
    registries.store = {
      pluginId: store.pluginId,
      store: withSpans<StateStore>(store.store, tracer, 'store', (m) => STORE_WRITES.has(m), (args) => ({
        'sockerless.store.kind': typeof args[0] === 'string' && args.length > 1 ? args[0] : undefined,
        'sockerless.record.id': idOf(args[1]),
        'sockerless.plugin': store.pluginId,
      })),
    };
  }
  registries.admission.splice(0, registries.admission.length, ...registries.admission.map((c): AdmissionController =>
    withSpans(c, tracer, `admission.${c.name}`, (m) => ADMISSION_CALLS.has(m), () => ({ 'sockerless.admission.controller': c.name }))));
}
