import type {
  Builder, BuilderContext, BuilderRegistry, AdmissionController, AdmissionRegistry, BackendDriverFactory, BackendDriverRegistry, CiCoordinator,
  CiCoordinatorRegistry, HttpRoute, HttpRoutesRegistry, ImageStore, ImageStoreContext, ImageStoreRegistry, Networks, NetworksContext,
  NetworksRegistry, Scheduler, SchedulerRegistry, StateStore, StoreRegistry, Tracer, TracingRegistry, CoreInterceptors, VolumeDriver, VolumeDriverRegistry,
  LifecycleContext, LifecycleHook, LifecycleHooksRegistry, LogDriver, LogDriverRegistry, VolumeStore, VolumeStoreContext, VolumeStoreRegistry,
} from '@sockerless/sdk';
import {
  coreAdmissionExtensionPoint, coreBackendDriversExtensionPoint, coreCiCoordinatorExtensionPoint,
  coreHttpRoutesExtensionPoint, coreSchedulerExtensionPoint, coreStoreExtensionPoint,
  coreBuilderExtensionPoint, coreImageStoreExtensionPoint, coreNetworksExtensionPoint, coreTracingExtensionPoint, coreVolumeDriversExtensionPoint,
  coreLifecycleHooksExtensionPoint, coreLogDriverExtensionPoint, coreVolumesExtensionPoint,
} from '@sockerless/sdk';

type SingleSlot = 'store' | 'tracer' | 'imageStore' | 'builder' | 'logDriver' | 'networks' | 'volumes';

/**
 * The collectors behind the core's extension points. Plugins add to them during `init`; the core reads them
 * once every plugin has initialised, and freezes them so a late registration is a loud error.
 */
export class CoreRegistries {
  readonly drivers = new Map<string, { factory: BackendDriverFactory; pluginId: string }>();
  store?: { store: StateStore; pluginId: string };
  tracer?: { tracer: Tracer; interceptors?: CoreInterceptors; pluginId: string };
  imageStore?: { create: (ctx: ImageStoreContext) => ImageStore; pluginId: string };
  builder?: { create: (ctx: BuilderContext) => Builder; pluginId: string };
  networks?: { create: (ctx: NetworksContext) => Networks; pluginId: string };
  logDriver?: { driver: LogDriver; pluginId: string };
  volumes?: { create: (ctx: VolumeStoreContext) => VolumeStore; pluginId: string };
  readonly schedulers = new Map<string, Scheduler>();
  readonly admission: AdmissionController[] = [];
  readonly ciCoordinators: CiCoordinator[] = [];
  readonly httpRoutes: HttpRoute[] = [];
  readonly volumeDrivers = new Map<string, VolumeDriver>();
  readonly lifecycleHooks: Array<(ctx: LifecycleContext) => LifecycleHook> = [];
  private readonly volumeDriverOwners = new Map<string, string>();
  private frozen = false;

  /** What the tracing plugin wraps around the core's calls; none without one. */
  get interceptors(): CoreInterceptors {
    return this.tracer?.interceptors ?? {};
  }

  freeze(): void {
    this.frozen = true;
    this.admission.sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
  }

  private check(what: string, pluginId: string): void {
    if (this.frozen) throw new Error(`plugin '${pluginId}' registered a ${what} after boot; register in init`);
  }

  /** A point that takes one contributor (`what` with its article): a second one fails the boot, naming both. */
  private setOnce<K extends SingleSlot>(slot: K, what: string, pluginId: string, value: Omit<NonNullable<CoreRegistries[K]>, 'pluginId'>): void {
    this.check(what.replace(/^an? /, ''), pluginId);
    const prior = this[slot];
    if (prior) throw new Error(`${what} is provided by both '${prior.pluginId}' and '${pluginId}'; configure one`);
    (this as Pick<CoreRegistries, K>)[slot] = { ...value, pluginId } as CoreRegistries[K];
  }

  /** The implementation object each plugin receives for a core extension point, tagged with its id. */
  forPlugin(pluginId: string): Map<string, unknown> {
    const drivers: BackendDriverRegistry = {
      register: (factory) => {
        this.check('backend driver', pluginId);
        const prior = this.drivers.get(factory.kind);
        if (prior) throw new Error(`backend driver kind '${factory.kind}' is registered by both '${prior.pluginId}' and '${pluginId}'`);
        this.drivers.set(factory.kind, { factory, pluginId });
      },
    };
    const volumes: VolumeStoreRegistry = { setVolumeStore: (create) => this.setOnce('volumes', 'a volume store', pluginId, { create }) };
    const schedulers: SchedulerRegistry = {
      register: (name, scheduler) => {
        this.check('scheduler', pluginId);
        if (this.schedulers.has(name)) throw new Error(`scheduler '${name}' registered twice (second by '${pluginId}')`);
        this.schedulers.set(name, scheduler);
      },
    };
    const admission: AdmissionRegistry = { register: (c) => { this.check('admission controller', pluginId); this.admission.push(c); } };
    const ci: CiCoordinatorRegistry = { register: (c) => { this.check('CI coordinator', pluginId); this.ciCoordinators.push(c); } };
    const routes: HttpRoutesRegistry = {
      add: (route) => {
        this.check('route', pluginId);
        if (!route.path.startsWith('/internal/')) throw new Error(`plugin '${pluginId}' route ${route.path} must start with /internal/`);
        this.httpRoutes.push(route);
      },
    };
    const volumeDrivers: VolumeDriverRegistry = {
      register: (driver) => {
        this.check('volume driver', pluginId);
        const prior = this.volumeDriverOwners.get(driver.name);
        if (prior) throw new Error(`volume driver '${driver.name}' is registered by both '${prior}' and '${pluginId}'`);
        this.volumeDriverOwners.set(driver.name, pluginId);
        this.volumeDrivers.set(driver.name, driver);
      },
    };
    const lifecycleHooks: LifecycleHooksRegistry = { register: (create) => { this.check('lifecycle hook', pluginId); this.lifecycleHooks.push(create); } };
    const store: StoreRegistry = { setStore: (s) => this.setOnce('store', 'a store', pluginId, { store: s }) };
    const tracing: TracingRegistry = { setTracer: (tracer, interceptors) => this.setOnce('tracer', 'a tracer', pluginId, { tracer, interceptors }) };
    const imageStore: ImageStoreRegistry = { setImageStore: (create) => this.setOnce('imageStore', 'an image store', pluginId, { create }) };
    const builder: BuilderRegistry = { setBuilder: (create) => this.setOnce('builder', 'a builder', pluginId, { create }) };
    const logDriver: LogDriverRegistry = { setLogDriver: (driver) => this.setOnce('logDriver', 'a log driver', pluginId, { driver }) };
    const networks: NetworksRegistry = { setNetworks: (create) => this.setOnce('networks', 'a network service', pluginId, { create }) };
    return new Map<string, unknown>([
      [coreBackendDriversExtensionPoint.id, drivers],
      [coreStoreExtensionPoint.id, store],
      [coreSchedulerExtensionPoint.id, schedulers],
      [coreAdmissionExtensionPoint.id, admission],
      [coreCiCoordinatorExtensionPoint.id, ci],
      [coreHttpRoutesExtensionPoint.id, routes],
      [coreTracingExtensionPoint.id, tracing],
      [coreImageStoreExtensionPoint.id, imageStore],
      [coreBuilderExtensionPoint.id, builder],
      [coreNetworksExtensionPoint.id, networks],
      [coreVolumeDriversExtensionPoint.id, volumeDrivers],
      [coreLifecycleHooksExtensionPoint.id, lifecycleHooks],
      [coreLogDriverExtensionPoint.id, logDriver],
      [coreVolumesExtensionPoint.id, volumes],
    ]);
  }
}
