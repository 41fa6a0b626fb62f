import type { AnyRef, ExtensionPointRef, ResolvedDeps, ServiceRef } from './refs';

/** The Standard Schema interface (zod 4, valibot, arktype implement it), so options schemas stay library-neutral. */
export interface StandardSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown):
      | StandardResult<Output>
      | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output };
  };
}
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }> };

export type InferOptions<S> = S extends StandardSchema<infer O> ? O : Record<string, never>;

export interface InitRegistration<D extends Record<string, AnyRef>, O> {
  deps: D;
  init(deps: ResolvedDeps<D>, options: O): Promise<void> | void;
  /** Per-plugin init timeout; the host default applies when absent. */
  timeoutMs?: number;
}

export interface PluginRegistrar<O> {
  /** A plugin-owned extension point: other plugins that depend on it init before this plugin. */
  registerExtensionPoint<T>(ref: ExtensionPointRef<T>, impl: T): void;
  /** A service this plugin provides to others; plugins that depend on it init after this plugin. */
  provideService<T>(ref: ServiceRef<T>, factory: () => T): void;
  registerInit<D extends Record<string, AnyRef>>(registration: InitRegistration<D, O>): void;
}

export interface PluginSpec<S extends StandardSchema | undefined> {
  /** kebab-case, unique in a host. */
  id: string;
  /** The SDK semver range this plugin was built for, checked at load: e.g. '^1.0.0'. */
  sdk: string;
  options?: S;
  /** Synchronous, side-effect free: only declares what the plugin provides and needs. */
  register(reg: PluginRegistrar<S extends StandardSchema<infer O> ? O : Record<string, never>>): void;
}

export const PLUGIN_BRAND = '@sockerless/Plugin';

export interface SockerlessPlugin<O = unknown> {
  readonly $$type: typeof PLUGIN_BRAND;
  readonly version: 'v1';
  readonly id: string;
  readonly sdk: string;
  readonly options?: StandardSchema<O>;
  register(reg: PluginRegistrar<O>): void;
}

/** A plugin is data: one branded object, default-exported by its package. */
export function definePlugin<S extends StandardSchema | undefined = undefined>(spec: PluginSpec<S>): SockerlessPlugin<InferOptions<S>> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(spec.id)) {
    throw new Error(`plugin id '${spec.id}' must be kebab-case`);
  }
  return Object.freeze({
    $$type: PLUGIN_BRAND,
    version: 'v1',
    id: spec.id,
    sdk: spec.sdk,
    options: spec.options as StandardSchema<InferOptions<S>> | undefined,
    register: spec.register as (reg: PluginRegistrar<InferOptions<S>>) => void,
  });
}

/** Duck-typed brand check: plugins built against another copy of the SDK still load. */
export function isSockerlessPlugin(value: unknown): value is SockerlessPlugin {
  const v = value as Partial<SockerlessPlugin> | null;
  return typeof v === 'object' && v !== null && v.$$type === PLUGIN_BRAND && v.version === 'v1'
    && typeof v.id === 'string' && typeof v.register === 'function';
}

/** A plugin listed in config: a name or path to resolve, an imported plugin, or either with options. */
export type PluginEntry =
  | string
  | SockerlessPlugin<any>
  | { plugin: string | SockerlessPlugin<any>; options?: unknown };

export interface BackendInstanceConfig {
  driver: string;
  options?: Record<string, unknown>;
}

export interface SockerlessConfig {
  /** `unix://PATH` (relative to the config file) or `tcp://HOST:PORT`. */
  listen?: string[];
  plugins: PluginEntry[];
  /** Named backend instances; without it, one instance per registered driver kind, named after it. */
  backends?: Record<string, BackendInstanceConfig>;
  /** The backend instance used when no pool or scheduler says otherwise. */
  defaultBackend?: string;
  /**
   * Addresses, as dockerd's `bip` (the default bridge's gateway/prefix, `172.17.0.1/16` by default) and
   * `default-address-pools` (what user-defined networks are cut from; Docker's 172.17-31 and 192.168 ranges).
   */
  networks?: { bip?: string; defaultAddressPools?: { base: string; size: number }[] };
  /** Listeners of the simulator plugins by simulator name, e.g. `{ aws: { listen: 'tcp://127.0.0.1:4566' } }`; `tcp://127.0.0.1:0` by default. */
  simulators?: Record<string, { listen?: string }>;
  /**
   * The workload agent server: where it listens (`tcp://127.0.0.1:0` by default) and the `ws://` URL a workload
   * dials (by default the listener's own address, which only a workload on this host reaches).
   */
  agent?: { listen?: string; advertise?: string };
  /** TLS on the `tcp://` listeners, with dockerd's flags' meaning (see {@link ListenerTlsConfig}). */
  tls?: ListenerTlsConfig;
  /** Extra top-level sections read by plugins (pools, tenants, ...). */
  [section: string]: unknown;
}

/**
 * TLS on the daemon's `tcp://` listeners, as dockerd's `--tls`, `--tlsverify`, `--tlscacert`, `--tlscert` and
 * `--tlskey` (unix sockets never use TLS, as with dockerd). Relative paths are relative to the config file.
 */
export interface ListenerTlsConfig {
  /** `--tls`: serve TLS; implied by `verify` being set at all (true or false), as dockerd does. */
  enabled?: boolean;
  /** `--tlsverify`: require a client certificate signed by `cacert` (mutual TLS). */
  verify?: boolean;
  /** The CA that signs client certificates; `ca.pem` in $DOCKER_CERT_PATH (else ~/.docker) by default. */
  cacert?: string;
  /** The server's certificate; `cert.pem` in $DOCKER_CERT_PATH (else ~/.docker) by default. */
  cert?: string;
  /** The server's private key (unencrypted, as dockerd 23+ requires); `key.pem` in $DOCKER_CERT_PATH (else ~/.docker) by default. */
  key?: string;
  /**
   * `--insecure-tcp`: allow a plain `tcp://` listener on a non-loopback address, which otherwise stops the boot
   * (dockerd 27 refuses unauthenticated TCP too). Anyone who reaches it controls the daemon's host.
   */
  insecureTcp?: boolean;
}

export function defineConfig(config: SockerlessConfig): SockerlessConfig {
  return config;
}
