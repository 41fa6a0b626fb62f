import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { detached, MonotonicNanoClock, type EventsBus, type Lifecycle, type Logger, type Metrics, type PluginPaths, type StateStore, type StoredEvent } from '@sockerless/sdk';
import type { HostPaths } from './tokens';

/** Adapts pino to the SDK's Logger so plugins never depend on the logging library. */
export function createRootLogger(level = process.env.SOCKERLESS_LOG_LEVEL ?? 'info'): Logger {
  // Synchronous: a fatal boot error comes out after the lines before it; nothing is logged per request (no hot path).
  const destination = pino.destination({ fd: 2, sync: true });
  return wrapPino(pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination));
}

function wrapPino(p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (bindings) => wrapPino(p.child(bindings)),
  };
}

export interface PluginHook {
  pluginId: string;
  hook: () => void | Promise<void>;
}

export interface ShutdownHook extends PluginHook {
  timeoutMs: number;
}

export class LifecycleRegistry {
  /** In registration order; run reversed. */
  readonly hooks: ShutdownHook[] = [];
  /** In registration order, which is init order. */
  readonly startHooks: PluginHook[] = [];
  readonly readyHooks: PluginHook[] = [];

  forPlugin(pluginId: string): Lifecycle {
    return {
      onShutdown: (hook, opts) => { this.hooks.push({ pluginId, hook, timeoutMs: opts?.timeoutMs ?? 10_000 }); },
      onStart: (hook) => { this.startHooks.push({ pluginId, hook }); },
      onReady: (hook) => { this.readyHooks.push({ pluginId, hook }); },
    };
  }
}

export function pluginPaths(host: HostPaths, pluginId: string): PluginPaths {
  const stateDir = join(host.home, 'plugins', pluginId);
  let made = false;
  return {
    home: host.home,
    configDir: host.configDir,
    get stateDir() {
      // Created on first use, so plugins that keep no state leave no empty folders behind.
      if (!made) { mkdirSync(stateDir, { recursive: true }); made = true; }
      return stateDir;
    },
  };
}

/** The events bus: appended to the store (`docker events --since` across restarts; in memory until it is attached), pushed live. */
export class CoreEventsBus implements EventsBus {
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  private store?: StateStore;
  private pending: StoredEvent[] = [];
  private readonly clock = new MonotonicNanoClock();

  constructor(private readonly logger: Logger) {}

  attachStore(store: StateStore): void {
    this.store = store;
    for (const e of this.pending) this.persist(e);
    this.pending = [];
  }

  now(): number {
    return this.clock.now();
  }

  /** A store that refuses an event (closing, busy) loses that event, not the daemon: the failure is logged. */
  private persist(event: StoredEvent): void {
    try {
      detached(this.logger, { on: 'persist event', action: event.Action }, Promise.resolve(this.store!.appendEvent(event)));
    } catch (err) {
      this.logger.error('could not persist event', { err: (err as Error).message });
    }
  }

  emit(event: Omit<StoredEvent, 'timeNano'>): void {
    const full: StoredEvent = { ...event, timeNano: this.now() };
    if (this.store) this.persist(full);
    else this.pending.push(full);
    for (const l of this.listeners) {
      try { l(full); } catch (err) { this.logger.error('event listener failed', { err: (err as Error).message }); }
    }
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async history(sinceNano: number, untilNano: number): Promise<StoredEvent[]> {
    return this.store ? await this.store.readEvents(sinceNano, untilNano) : this.pending.filter((e) => e.timeNano >= sinceNano && e.timeNano <= untilNano);
  }
}

type Series = { labels: Record<string, string>; value: number };
type Family = { help: string; type: 'counter' | 'gauge'; series: Map<string, Series> };

/** The metrics registry: plain maps (an increment is one addition); prom-client is loaded only to render a scrape. */
export class CoreMetrics implements Metrics {
  readonly families = new Map<string, Family>();
  private readonly scrapeHooks: Array<() => void> = [];

  private series(name: string, help: string, type: Family['type'], labels: Record<string, string>): Series {
    let family = this.families.get(name);
    if (!family) this.families.set(name, (family = { help, type, series: new Map() }));
    if (family.type !== type) throw new Error(`metric ${name} is a ${family.type}, not a ${type}`);
    const key = JSON.stringify(labels);
    let s = family.series.get(key);
    if (!s) family.series.set(key, (s = { labels: { ...labels }, value: 0 }));
    return s;
  }

  counter(name: string, help: string, labels: Record<string, string> = {}) {
    const s = this.series(name, help, 'counter', labels);
    return { inc: (by = 1) => { s.value += by; } };
  }

  gauge(name: string, help: string, labels: Record<string, string> = {}) {
    const s = this.series(name, help, 'gauge', labels);
    return { set: (v: number) => { s.value = v; } };
  }

  onScrape(hook: () => void): void {
    this.scrapeHooks.push(hook);
  }

  remove(name: string, labels: Record<string, string>): void {
    this.families.get(name)?.series.delete(JSON.stringify(labels));
  }

  /** The Prometheus text exposition of every family, after the scrape hooks have set their gauges. */
  async renderPrometheus(): Promise<{ contentType: string; text: string }> {
    for (const hook of this.scrapeHooks) hook();
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    for (const [name, family] of this.families) {
      const labelNames = [...new Set([...family.series.values()].flatMap((s) => Object.keys(s.labels)))];
      const metric = family.type === 'counter'
        ? new prom.Counter({ name, help: family.help, labelNames, registers: [registry] })
        : new prom.Gauge({ name, help: family.help, labelNames, registers: [registry] });
      for (const s of family.series.values()) {
        if (metric instanceof prom.Counter) metric.inc(s.labels, s.value);
        else metric.set(s.labels, s.value);
      }
    }
    return { contentType: registry.contentType, text: await registry.metrics() };
  }
}
