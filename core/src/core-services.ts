import type Router from '@koa/router';
import type { BackendInstance } from './engine/backend-instances';
import { NotImplementedError } from '@sockerless/sdk';
import type { LifecycleHook, Logger, NetworkAddressing, NetworkContainerAccess, NetworkedContainer, StateStore } from '@sockerless/sdk';
import type { ContainerRecord } from './engine/container-record';
import { ContainerEngine } from './engine/container-engine';
import { RunController } from './engine/container-runs';
import { recoverContainers } from './engine/recovery';
import { combinedHooks, lifecycleContext } from './engine/lifecycle/hooks';
import { AdmissionChain } from './engine/admission-chain';
import { ExecEngine } from './engine/exec-engine';
import { currentCaller } from './engine/caller';
import type { CoreEventsBus, CoreMetrics } from './host/services';
import type { CoreRegistries } from './host/registries';
import { registerArchiveRoutes } from './docker-api/archive';
import { registerContainerRoutes } from './docker-api/containers';
import { registerEventRoutes } from './docker-api/events';
import { registerExecRoutes } from './docker-api/exec';
import { registerDiskUsageRoute, registerSystemRoutes } from './docker-api/system';
import { imageSizeOf, type DiskUsageDeps } from './engine/disk-usage';
import { registerSwarmRoutes } from './docker-api/swarm';
import { registerContainerLayerRoutes } from './docker-api/container-layers';
import { stepContainers } from './engine/step-containers';
import type { ApiServerDeps } from './docker-api/server';
import { streamLogs } from './docker-api/container-streams';

export interface CoreInput {
  home: string;
  store: StateStore;
  events: CoreEventsBus;
  logger: Logger;
  backends: Map<string, BackendInstance>;
  defaultBackend: string | undefined;
  registries: CoreRegistries;
  metrics: CoreMetrics;
  /** The config's and the command line's `bip` and default address pools (the networks plugin fills in Docker's). */
  addressing?: Partial<NetworkAddressing>;
}

export type Core = Awaited<ReturnType<typeof buildCore>>;

/** dockerd has no build router without a builder: `docker build` gets Docker's 501 with the reason. */
const noBuilder = () => {
  throw new NotImplementedError('docker build is not supported by this daemon: no builder plugin is configured (the default is builder)');
};

/** Wires the engine's services together and loads their state; `recover()` then reconciles with the backends. */
export async function buildCore(input: CoreInput) {
  const { home, store, events, logger, backends, registries, metrics } = input;
  let engine: ContainerEngine | undefined;
  const containersView = {
    all: () => engine!.all(),
    find: (ref: string) => engine!.find(ref),
  };
  // The networks plugin gets the containers and the backends' network powers as callbacks, never a driver.
  // The containers it hands back are the records this view gave it.
  const recordOf = (c: NetworkedContainer) => c as ContainerRecord;
  const networkPower = (c: NetworkedContainer) => engine!.backendOf(recordOf(c)).powers.network;
  const networkAccess: NetworkContainerAccess = {
    ...containersView,
    tryFind: (ref) => engine!.tryFind(ref),
    canSee: (c) => engine!.canSee(recordOf(c)),
    tenant: () => engine!.tenantOf(),
    saveNetworks: (id, networks) => engine!.save({ ...engine!.find(id), networks }),
    connectEndpoint: async (c, endpoint) => { await networkPower(c)?.connectNetwork(c.id, endpoint); },
    disconnectEndpoint: async (c, networkId) => { await networkPower(c)?.disconnectNetwork(c.id, networkId); },
    networkRemoved: async (networkId) => {
      for (const b of backends.values()) {
        await b.powers.network?.removeNetwork(networkId).catch((err: Error) => logger.warn('backend could not remove a network', { backend: b.name, networkId, err: err.message }));
      }
    },
    hostsWriter: (c) => {
      const power = networkPower(c);
      return power && ((hosts) => power.updateHosts(c.id, hosts));
    },
  };
  const containersUsingImage = (imageId: string) => engine!.all().filter((c) => c.imageId === imageId).map((c) => c.id);
  if (!registries.imageStore) throw new Error('no image store plugin is configured (the default is image-store)');
  if (!registries.logDriver) throw new Error('no log driver plugin is configured (the default is logs-local)');
  const logs = registries.logDriver.driver;
  const images = registries.imageStore.create({ home, store, events, logger: logger.child({ area: 'images' }), containersUsingImage });
  if (!registries.volumes) throw new Error('no volume store plugin is configured (the default is volumes)');
  const volumes = registries.volumes.create({ store, events, drivers: registries.volumeDrivers, admission: registries.admission, caller: currentCaller, containers: containersView });
  if (!registries.networks) throw new Error('no networks plugin is configured (the default is networks)');
  const networks = registries.networks.create({
    store, events, logger: logger.child({ area: 'networks' }), addressing: input.addressing, containers: networkAccess,
  });
  const admission = new AdmissionChain(registries.admission);
  admission.export(metrics);
  const hooks: LifecycleHook[] = [];
  const lifecycle = combinedHooks(hooks);
  engine = new ContainerEngine({ home, store, events, images, volumes, networks, backends, defaultBackend: input.defaultBackend, admission, schedulers: registries.schedulers, lifecycle, logs });
  const builder = registries.builder?.create({
    home, store, images,
    containers: stepContainers(engine, () => runs),
    // A RUN step needs a backend that can read a container's layer (the builder answers 501 where none can).
    runSupported: () => [...backends.values()].some((b) => b.powers.layer !== undefined),
    containersUsingImage,
  });
  await Promise.all([images.load(), volumes.load(), networks.load(), engine.load(), builder?.load()]);
  const runsLogger = logger.child({ area: 'runs' });
  const runs = new RunController(engine, runsLogger);
  for (const create of registries.lifecycleHooks) hooks.push(create(lifecycleContext(engine, runs, logger.child({ area: 'lifecycle' }))));
  const execs = new ExecEngine(engine, runs, logger);
  const eng = engine;
  const diskUsage: DiskUsageDeps = {
    images,
    volumes,
    containers: () => eng.visible(),
    writableLayerSize: async (c) => eng.backendOf(c).powers.diskUsage?.diskUsage(c.id),
    buildCache: () => builder?.usage() ?? [],
  };

  const apiDeps = (id: string): ApiServerDeps => ({
    logger,
    home,
    engine: eng,
    execs,
    managementRoutes: registries.httpRoutes,
    observeRequest: registries.interceptors.apiRequest,
    admitRequest: async (method, path, bearerToken) => {
      await admission.request({ method, path, bearerToken });
      // A tenant's containers start on its own default bridge (the networks plugin's): it exists from its first call.
      await networks.ensureTenantBridge();
    },
    registerRoutes: (router: Router) => {
      registerSystemRoutes(router, {
        id,
        home,
        counts: () => {
          // As the caller sees them: a tenant does not learn how many containers the others have.
          const all = eng.visible();
          const paused = all.filter((c) => c.state.Paused).length;
          const running = all.filter((c) => c.state.Running).length - paused;
          return { containers: all.length, running, paused, stopped: all.length - running - paused, images: images.list().length };
        },
        backends: () => [...backends.values()].map((b) => ({ name: b.name, kind: b.kind })),
        // dockerd's info warnings (no bridge-nf-call, no swap limit...): none this daemon reports.
        warnings: () => [],
      });
      registerDiskUsageRoute(router, diskUsage);
      registerContainerRoutes(router, {
        engine: eng,
        runs,
        imageMatches: (ref, imageId) => images.matches(ref, imageId),
        imageSize: (imageId) => imageSizeOf(images, imageId),
      });
      router.get('/containers/:id/logs', (ctx) => streamLogs(eng, (cid) => runs.isRunning(cid), ctx));
      registerArchiveRoutes(router, eng);
      registerExecRoutes(router, execs);
      // The components' own routers, as dockerd's initRouter adds image, network, volume and build routers.
      images.registerRoutes?.(router);
      networks.registerRoutes?.(router);
      volumes.registerRoutes?.(router);
      registerSwarmRoutes(router);
      registerContainerLayerRoutes(router, eng, images, runs.control);
      if (builder?.registerRoutes) builder.registerRoutes(router);
      else for (const path of ['/build', '/build/prune']) router.post(path, noBuilder);
      registerEventRoutes(router, events, (caller, ev) => {
        if (ev.Type === 'container') return admission.visibleTo(caller, ev.Actor.Attributes);
        if (ev.Type === 'network' && !networks.eventVisibleTo(ev.Actor.Attributes, eng.tenantOf(caller))) return false;
        // A tenant sees its own volumes' events; one of a volume gone since (destroy, prune) only the operator.
        if (ev.Type === 'volume') return volumes.visibleTo(caller, ev.Actor.ID);
        // Network connect/disconnect name a container: shown only to those who may see it.
        const cid = ev.Type === 'network' ? ev.Actor.Attributes.container : undefined;
        return cid === undefined || admission.visibleTo(caller, eng.containers.get(cid)?.config.Labels ?? {});
      });
      // Prometheus text, for scrapers; not part of Docker's API, as dockerd serves it on --metrics-addr.
      router.get('/metrics', async (ctx) => {
        const { contentType, text } = await metrics.renderPrometheus();
        ctx.set('Content-Type', contentType);
        ctx.body = text;
      });
    },
  });

  return {
    engine: eng, runs, execs, images, volumes, networks, builder, apiDeps, backends,
    /**
     * At boot (the daemon's to start: it runs while the listeners already answer): workloads a previous daemon
     * started that live on without it are taken back as running, the others recorded as exited (recovery.ts).
     */
    recover: () => recoverContainers(eng, runs, runsLogger),
    /** dockerd's restore, once plugins are ready: the hooks' boot (the restart policy starts containers again). */
    startAfterBoot: () => lifecycle.boot(),
    async close() {
      // No policy restart from here on (dockerd's IsShuttingDown), and no probes.
      lifecycle.shutdown();
      for (const b of backends.values()) await b.close().catch((err: Error) => logger.warn('backend close failed', { backend: b.name, err: err.message }));
    },
  };
}
