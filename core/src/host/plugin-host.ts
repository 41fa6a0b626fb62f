import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { coreServices, type AnyRef, type ExtensionPointRef, type InitRegistration, type Logger, type PluginRegistrar, type ServiceRef } from '@sockerless/sdk';
import { PluginLoadError, type LoadedPlugin } from './plugin-loader';
import { CoreRegistries } from './registries';
import { LifecycleRegistry, pluginPaths, type PluginHook } from './services';
import { refToken, type HostPaths } from './tokens';
import { pluginRecordsOf } from '../plugin-services';

interface Registered {
  loaded: LoadedPlugin;
  container: DependencyContainer;
  init?: InitRegistration<Record<string, AnyRef>, unknown>;
  ownsExtensionPoints: string[];
  providesServices: string[];
}

export const DEFAULT_INIT_TIMEOUT_MS = 30_000;

/** Plugins through register -> init (dependency order, timed out), shutdown in reverse; each in a child container. */
export class PluginHost {
  readonly root: DependencyContainer = rootContainer.createChildContainer();
  readonly registries = new CoreRegistries();
  readonly lifecycle = new LifecycleRegistry();
  private readonly registered: Registered[] = [];
  readonly initOrder: string[] = [];

  constructor(private readonly paths: HostPaths, private readonly logger: Logger, private readonly initTimeoutMs = DEFAULT_INIT_TIMEOUT_MS) {}

  /** Root-scoped core service, visible to every plugin. */
  provideRootService<T>(ref: ServiceRef<T>, value: T): void {
    this.root.register(refToken(ref.id), { useValue: value });
  }

  register(plugins: LoadedPlugin[]): void {
    const seen = new Map<string, string>();
    for (const loaded of plugins) {
      const { plugin, source } = loaded;
      const prior = seen.get(plugin.id);
      if (prior) throw new PluginLoadError(`plugin '${plugin.id}' is configured twice (from ${prior} and ${source})`);
      seen.set(plugin.id, source);
      this.registered.push(this.registerOne(loaded));
    }
  }

  /** Whether a registered plugin's init depends on the extension point `id` (contributes to it). */
  dependsOn(id: string): boolean {
    return this.registered.some((r) => Object.values(r.init?.deps ?? {}).some((ref) => ref.id === id));
  }

  private registerOne(loaded: LoadedPlugin): Registered {
    const { plugin, source } = loaded;
    const child = this.root.createChildContainer();
    const coreImpls = this.registries.forPlugin(plugin.id);
    for (const [id, impl] of coreImpls) child.register(refToken(id), { useValue: impl });
    child.register(refToken(coreServices.logger.id), { useValue: this.logger.child({ plugin: plugin.id }) });
    child.register(refToken(coreServices.lifecycle.id), { useValue: this.lifecycle.forPlugin(plugin.id) });
    child.register(refToken(coreServices.paths.id), { useValue: pluginPaths(this.paths, plugin.id) });
    child.register(refToken(coreServices.records.id), { useValue: pluginRecordsOf(() => this.registries.store?.store, plugin.id) });
    const rec: Registered = { loaded, container: child, ownsExtensionPoints: [], providesServices: [] };
    const fail = (msg: string) => new PluginLoadError(`plugin '${plugin.id}' (from ${source}): ${msg}`);
    const registrar: PluginRegistrar<unknown> = {
      registerExtensionPoint: <T>(ref: ExtensionPointRef<T>, impl: T) => {
        if (rec.init) throw fail('registerExtensionPoint must come before registerInit');
        if (this.root.isRegistered(refToken(ref.id)) || coreImpls.has(ref.id)) throw fail(`extension point '${ref.id}' is already registered`);
        this.root.register(refToken(ref.id), { useValue: impl });
        rec.ownsExtensionPoints.push(ref.id);
      },
      provideService: <T>(ref: ServiceRef<T>, factory: () => T) => {
        if (this.root.isRegistered(refToken(ref.id))) throw fail(`service '${ref.id}' is already provided`);
        let instance: T | undefined;
        this.root.register(refToken(ref.id), { useFactory: () => (instance ??= factory()) });
        rec.providesServices.push(ref.id);
      },
      registerInit: (registration) => {
        if (rec.init) throw fail('registerInit called twice');
        rec.init = registration as InitRegistration<Record<string, AnyRef>, unknown>;
      },
    };
    try {
      plugin.register(registrar);
    } catch (err) {
      if (err instanceof PluginLoadError) throw err;
      throw fail(`register failed: ${(err as Error).message}`);
    }
    if (!rec.init) throw fail('register() did not call registerInit()');
    return rec;
  }

  /** Providers of services before their users; contributors to an extension point before its owner. */
  private order(): Registered[] {
    const byId = new Map(this.registered.map((r) => [r.loaded.plugin.id, r]));
    const before = new Map<string, Set<string>>(this.registered.map((r) => [r.loaded.plugin.id, new Set<string>()]));
    for (const r of this.registered) {
      const id = r.loaded.plugin.id;
      for (const ref of Object.values(r.init!.deps)) {
        for (const other of this.registered) {
          if (other === r) continue;
          if (other.providesServices.includes(ref.id)) before.get(id)!.add(other.loaded.plugin.id);
          if (other.ownsExtensionPoints.includes(ref.id)) before.get(other.loaded.plugin.id)!.add(id);
        }
      }
    }
    const out: Registered[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, chain: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') throw new PluginLoadError(`plugin dependency cycle: ${[...chain, id].join(' -> ')}`);
      state.set(id, 'visiting');
      for (const dep of before.get(id)!) visit(dep, [...chain, id]);
      state.set(id, 'done');
      out.push(byId.get(id)!);
    };
    for (const r of this.registered) visit(r.loaded.plugin.id, []);
    return out;
  }

  /** Each plugin's init as it ran, in order: for the boot tree of `sockerless status`. */
  readonly initTimes: Array<{ id: string; ms: number }> = [];

  async initAll(): Promise<void> {
    for (const r of this.order()) {
      const { plugin, source, options } = r.loaded;
      const init = r.init!;
      const deps: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(init.deps)) {
        const token = refToken(ref.id);
        if (!r.container.isRegistered(token, true)) {
          throw new PluginLoadError(`plugin '${plugin.id}' (from ${source}): dependency '${name}' (${ref.id}) is not provided by the core or any configured plugin`);
        }
        deps[name] = r.container.resolve(token);
      }
      const timeoutMs = init.timeoutMs ?? this.initTimeoutMs;
      const started = Date.now();
      await withTimeout(Promise.resolve().then(() => init.init(deps, options)), timeoutMs, () =>
        new PluginLoadError(`plugin '${plugin.id}' (from ${source}): init did not finish within ${timeoutMs} ms`),
      ).catch((err: Error) => {
        if (err instanceof PluginLoadError) throw err;
        throw new PluginLoadError(`plugin '${plugin.id}' (from ${source}): init failed: ${err.message}`);
      });
      this.initOrder.push(plugin.id);
      this.initTimes.push({ id: plugin.id, ms: Date.now() - started });
      this.logger.debug('plugin ready', { plugin: plugin.id, ms: Date.now() - started });
    }
    this.registries.freeze();
  }

  /** Start hooks in init order, before backends are made; `each` runs (times) each one; the first failure aborts boot. */
  async start(each: (pluginId: string, run: () => Promise<void>) => Promise<void>): Promise<void> {
    for (const h of this.lifecycle.startHooks) await each(h.pluginId, () => this.runHook(h));
  }

  /** Ready hooks in init order, once the core has booted; the first failure aborts boot, naming its plugin. */
  async ready(): Promise<void> {
    for (const h of this.lifecycle.readyHooks) await this.runHook(h);
  }

  private async runHook({ pluginId, hook }: PluginHook): Promise<void> {
    const source = this.registered.find((r) => r.loaded.plugin.id === pluginId)?.loaded.source ?? pluginId;
    try {
      await hook();
    } catch (err) {
      throw new PluginLoadError(`plugin '${pluginId}' (from ${source}): ${(err as Error).message}`);
    }
  }

  /** A service a plugin provides, once it has been resolved; undefined when no configured plugin provides it. */
  service<T>(ref: ServiceRef<T>): T | undefined {
    const token = refToken(ref.id);
    return this.root.isRegistered(token) ? this.root.resolve<T>(token) : undefined;
  }

  /** Shutdown hooks, last registered first, each bounded by its timeout; failures are logged, not thrown. */
  async shutdown(): Promise<void> {
    for (const h of [...this.lifecycle.hooks].reverse()) {
      try {
        await withTimeout(Promise.resolve().then(h.hook), h.timeoutMs, () => new Error(`shutdown hook of '${h.pluginId}' exceeded ${h.timeoutMs} ms`));
      } catch (err) {
        this.logger.error('shutdown hook failed', { plugin: h.pluginId, err: (err as Error).message });
      }
    }
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(onTimeout()), ms); }),
  ]).finally(() => clearTimeout(timer));
}
