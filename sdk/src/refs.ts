/**
 * Typed references with string ids. The host maps each id to a DI token (`Symbol.for(id)`), so plugins never
 * see the container library. `T` is a phantom type carrier: it exists only for the compiler.
 */
export interface ExtensionPointRef<T> {
  readonly $$ref: 'extension-point';
  readonly id: string;
  readonly cardinality: 'single' | 'multi';
  /**
   * The plugin the host adds when no configured plugin depends on this point, so a config written before the
   * point existed still boots with Docker's behaviour (the image store).
   */
  readonly defaultPlugin?: string;
  readonly T: T;
}

export interface ServiceRef<T> {
  readonly $$ref: 'service';
  readonly id: string;
  /** `plugin`: one instance per plugin (a logger tagged with the plugin id); `root`: one for the host. */
  readonly scope: 'root' | 'plugin';
  readonly T: T;
}

export type AnyRef = ExtensionPointRef<unknown> | ServiceRef<unknown>;

function phantom<T>(): T {
  return undefined as unknown as T;
}

/** Extension point ids are `'<owner>.<name>'`, e.g. `core.backendDrivers`. */
export function createExtensionPoint<T>(opts: { id: string; cardinality?: 'single' | 'multi'; defaultPlugin?: string }): ExtensionPointRef<T> {
  if (!/^[a-z][a-zA-Z0-9-]*\.[a-zA-Z0-9.-]+$/.test(opts.id)) {
    throw new Error(`extension point id '${opts.id}' must look like '<owner>.<name>'`);
  }
  const defaults = opts.defaultPlugin ? { defaultPlugin: opts.defaultPlugin } : {};
  return Object.freeze({ $$ref: 'extension-point', id: opts.id, cardinality: opts.cardinality ?? 'multi', ...defaults, T: phantom<T>() });
}

export function createServiceRef<T>(opts: { id: string; scope?: 'root' | 'plugin' }): ServiceRef<T> {
  return Object.freeze({ $$ref: 'service', id: opts.id, scope: opts.scope ?? 'root', T: phantom<T>() });
}

export type ResolvedDeps<D extends Record<string, AnyRef>> = { [K in keyof D]: D[K]['T'] };
