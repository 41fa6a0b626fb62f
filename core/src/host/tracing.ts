import { noopTracer, type Tracer } from '@sockerless/sdk';
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

/**
 * The tracing plugin's wrappers around the store and the admission controllers, once every plugin has
 * initialised; without them the core keeps the plugins' own objects. (Drivers are wrapped as they are made.)
 */
export function interceptContributions(registries: CoreRegistries): void {
  const { store: wrapStore, admissionController: wrapController } = registries.interceptors;
  const store = registries.store;
  if (store && wrapStore) registries.store = { pluginId: store.pluginId, store: wrapStore(store.store, store.pluginId) };
  if (wrapController) registries.admission.splice(0, registries.admission.length, ...registries.admission.map((c) => wrapController(c)));
}
