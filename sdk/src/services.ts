import { createServiceRef } from './refs';
import type { StoredEvent } from './contracts/records';

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
  counter(name: string, help: string, labels?: Record<string, string>): { inc(by?: number): void };
  gauge(name: string, help: string, labels?: Record<string, string>): { set(value: number): void };
}

export interface Tracer {
  span<T>(name: string, fn: () => Promise<T>, attributes?: Record<string, string | number>): Promise<T>;
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

export const coreServices = {
  logger: createServiceRef<Logger>({ id: 'core.logger', scope: 'plugin' }),
  lifecycle: createServiceRef<Lifecycle>({ id: 'core.lifecycle', scope: 'plugin' }),
  paths: createServiceRef<PluginPaths>({ id: 'core.paths', scope: 'plugin' }),
  events: createServiceRef<EventsBus>({ id: 'core.events' }),
  metrics: createServiceRef<Metrics>({ id: 'core.metrics' }),
  tracer: createServiceRef<Tracer>({ id: 'core.tracer' }),
  images: createServiceRef<ImageStoreService>({ id: 'core.images' }),
} as const;
