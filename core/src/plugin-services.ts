import type { BackendCatalog, ContainersService, PluginRecords, StateStore } from '@sockerless/sdk';
import type { Core } from './core-services';
import type { CreateBody } from './engine/create-spec';
import type { CoreRegistries } from './host/registries';

/** The core's containers as plugins see them (ContainerView), read from the engine on each call. */
export function containersServiceOf(core: () => Core): ContainersService {
  return {
    list: () => core().engine.all().map((c) => ({
      id: c.id, name: c.name.slice(1), pool: c.pool, backend: c.backend, labels: c.config.Labels,
      memoryBytes: typeof c.hostConfig.Memory === 'number' ? c.hostConfig.Memory : 0, running: c.state.Running, status: c.state.Status,
    })),
    create: async (body, name) => ({ id: (await core().engine.create(body as CreateBody, name)).Id }),
    start: (id) => core().runs.start(core().engine.find(id)),
    remove: (id, opts) => core().runs.remove(id, { force: opts.force, removeVolumes: false }),
  };
}

export function backendCatalogOf(core: () => Core, registries: CoreRegistries): BackendCatalog {
  const instances = () => core().backends;
  return {
    list: () => [...instances().values()].map((b) => ({ name: b.name, kind: b.kind })),
    has: (name) => instances().has(name),
    isAvailable: (name) => instances().get(name)?.available() ?? false,
    defaultBackend: () => core().engine.deps.defaultBackend,
    schedulers: () => [...registries.schedulers.keys()],
  };
}

/** One plugin's records, under their own kind (`plugin:<id>`) so no two plugins can touch each other's. */
export function pluginRecordsOf(store: () => StateStore | undefined, pluginId: string): PluginRecords {
  const kind = `plugin:${pluginId}` as const;
  const open = () => {
    const s = store();
    if (!s) throw new Error(`plugin '${pluginId}': records are available once the store has initialised (use lifecycle.onReady)`);
    return s;
  };
  return {
    list: async () => await open().loadAll(kind),
    put: async (record) => { await open().put(kind, record); },
    delete: async (id) => { await open().delete(kind, id); },
  };
}
