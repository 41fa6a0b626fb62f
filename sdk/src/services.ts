import { createServiceRef } from './refs';
import type { RunningSimulator } from './contracts/simulator';
import type { StoredEvent, StoredRecord } from './contracts/records';
import type { AgentServer } from './contracts/agent';
import type { Tracer } from './tracing';

/** Services the core provides to plugins. Plugin-scoped ones are made per plugin (tagged logger, own dir). */

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface Lifecycle {
  /** Shutdown hooks run in reverse init order, each with a timeout. */
  onShutdown(hook: () => void | Promise<void>, opts?: { timeoutMs?: number }): void;
  /**
   * Runs after every plugin has initialised, before backend instances are made and the API listens (so a
   * driver factory finds what it starts, as backends find the simulators), in init order; a hook that throws
   * aborts boot with the plugin's name. `sockerless config check` runs inits only, never these.
   */
  onStart(hook: () => void | Promise<void>): void;
  /**
   * Runs after every plugin has initialised and the core has loaded its state (containers, backend
   * instances), before the API listener opens. A hook that throws aborts boot with the plugin's name.
   */
  onReady(hook: () => void | Promise<void>): void;
}

export interface PluginPaths {
  /** `SOCKERLESS_HOME`. */
  home: string;
  /** `SOCKERLESS_HOME/plugins/<plugin id>`, created on first use. */
  stateDir: string;
  /** The directory of the config file, for resolving relative paths in options. */
  configDir: string;
}

export interface EventsBus {
  emit(event: Omit<StoredEvent, 'timeNano'>): void;
  subscribe(listener: (event: StoredEvent) => void): () => void;
}

export interface Metrics {
  /** One name is one family: every series of a name must use the same label names. */
  counter(name: string, help: string, labels?: Record<string, string>): { inc(by?: number): void };
  gauge(name: string, help: string, labels?: Record<string, string>): { set(value: number): void };
  /** Called before each scrape of `GET /metrics`, so gauges computed from state are set only when read. */
  onScrape(hook: () => void): void;
  /** Forgets every series of `name` with these labels (a pool that was removed). */
  remove(name: string, labels: Record<string, string>): void;
}

export interface ImageSummary {
  id: string;
  repoTags: string[];
  /** Host directory with the unpacked layers, or undefined for an image without layers. */
  rootfs?: string;
  config: Record<string, unknown>;
}

export interface ImageStoreService {
  /** Resolves a reference (name[:tag], id or id prefix); NotFound otherwise. */
  resolve(ref: string): ImageSummary;
}

/** The loaded config file, for plugins that read a top-level section of their own (`pools`, `tenants`). */
export interface ConfigView {
  /** The config file's path, or '<inline>'. */
  file: string;
  section(name: string): unknown;
}

/** What a plugin may know about a container; the core's record stays private. */
export interface ContainerView {
  id: string;
  /** Without the leading slash. */
  name: string;
  pool: string;
  backend: string;
  labels: Record<string, string>;
  /** `HostConfig.Memory`, 0 when unset. */
  memoryBytes: number;
  running: boolean;
  status: string;
}

/** The core's containers, for plugins that account for them (pools, limits). Usable from `onReady` on. */
export interface ContainersService {
  list(): ContainerView[];
  /** Stops (SIGKILL) a running container when `force`, then removes it as `docker rm` does. */
  remove(id: string, opts: { force: boolean }): Promise<void>;
}

export interface BackendInfo {
  name: string;
  kind: string;
}

/** The configured backend instances and registered schedulers. Usable from `onReady` on. */
export interface BackendCatalog {
  list(): BackendInfo[];
  has(name: string): boolean;
  /** Asks the driver (`available()`); a driver that does not say is available. */
  isAvailable(name: string): boolean;
  /** The instance a container goes to when no admission controller picks one (`defaultBackend`, else the first). */
  defaultBackend(): string | undefined;
  schedulers(): string[];
}

/** One step of the boot and the steps inside it, as `sockerless status` prints them (avvio's plugin tree). */
export interface BootStep {
  name: string;
  ms: number;
  children: BootStep[];
}

/** How long each part of the boot took: the config, each plugin's init and start hook, the backends, recovery. */
export interface BootReport {
  /** The boot's tree once it has finished; undefined while the daemon is still booting (or for a config check). */
  tree(): BootStep | undefined;
}

/**
 * A plugin's own records in the core's store, kept apart from every other plugin's. Durable when the promise
 * resolves. Usable from `onReady` on (the store is itself provided by a plugin during init).
 */
export interface PluginRecords {
  list(): Promise<StoredRecord[]>;
  put(record: StoredRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

/** The simulators running in this process, started before backend instances are made (the `simulators` plugin). */
export interface SimulatorDirectory {
  /** The endpoint (`http://127.0.0.1:PORT`) of the simulator registered under `name`; NotFound when none runs. */
  endpoint(name: string): string;
  /** The CA file to trust for a simulator serving https with its own certificate (sim-azure); optional so that test fakes need not have it. */
  caFile?(name: string): string | undefined;
  names(): string[];
  /** Each running simulator with its endpoint (and CA file), for `GET /internal/simulators` and the CLI. */
  list?(): RunningSimulator[];
}

/**
 * That the daemon is serving: each Docker API request (and each connection upgraded to a stream) calls the
 * listeners, for plugins that act once the daemon has gone quiet (`malloc-tune` hands memory back then).
 * Listeners run on the request path: they must be cheap and must not throw.
 */
export interface RequestActivity {
  onRequest(listener: () => void): () => void;
}

export const coreServices = {
  logger: createServiceRef<Logger>({ id: 'core.logger', scope: 'plugin' }),
  lifecycle: createServiceRef<Lifecycle>({ id: 'core.lifecycle', scope: 'plugin' }),
  paths: createServiceRef<PluginPaths>({ id: 'core.paths', scope: 'plugin' }),
  events: createServiceRef<EventsBus>({ id: 'core.events' }),
  metrics: createServiceRef<Metrics>({ id: 'core.metrics' }),
  /** Spans go to the tracing plugin's tracer (`otel`); without one they cost nothing (`enabled` is false). */
  tracer: createServiceRef<Tracer>({ id: 'core.tracer' }),
  images: createServiceRef<ImageStoreService>({ id: 'core.images' }),
  config: createServiceRef<ConfigView>({ id: 'core.config' }),
  containers: createServiceRef<ContainersService>({ id: 'core.containers' }),
  backends: createServiceRef<BackendCatalog>({ id: 'core.backends' }),
  records: createServiceRef<PluginRecords>({ id: 'core.records', scope: 'plugin' }),
  /** The workload agent server (its listener opens on first use). */
  agents: createServiceRef<AgentServer>({ id: 'core.agents' }),
  /** Usable from a backend driver factory's `create` on. */
  simulators: createServiceRef<SimulatorDirectory>({ id: 'core.simulators' }),
  requests: createServiceRef<RequestActivity>({ id: 'core.requests' }),
  boot: createServiceRef<BootReport>({ id: 'core.boot' }),
} as const;
