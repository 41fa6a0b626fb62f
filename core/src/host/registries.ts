import type {
  Builder, BuilderContext, BuilderRegistry, AdmissionController, AdmissionRegistry, BackendDriverFactory, BackendDriverRegistry, CiCoordinator,
  CiCoordinatorRegistry, HttpRoute, HttpRoutesRegistry, ImageStore, ImageStoreContext, ImageStoreRegistry, Scheduler, SchedulerRegistry, Simulator,
  SimulatorRegistry, StateStore, StoreRegistry, Tracer, TracingRegistry, VolumeDriver, VolumeDriverRegistry, VolumeStore, VolumeStoreContext, VolumeStoreRegistry,
} from '@sockerless/sdk';
import {
  coreAdmissionExtensionPoint, coreBackendDriversExtensionPoint, coreCiCoordinatorExtensionPoint,
  coreHttpRoutesExtensionPoint, coreSchedulerExtensionPoint, coreSimulatorExtensionPoint, coreStoreExtensionPoint,
  coreBuilderExtensionPoint, coreImageStoreExtensionPoint, coreTracingExtensionPoint, coreVolumeDriversExtensionPoint, coreVolumesExtensionPoint,
} from '@sockerless/sdk';

/**
 * The collectors behind the core's extension points. Plugins add to them during `init`; the core reads them
 * once every plugin has initialised, and freezes them so a late registration is a loud error.
 */
export class CoreRegistries {
  readonly drivers = new Map<string, { factory: BackendDriverFactory; pluginId: string }>();
  store?: { store: StateStore; pluginId: string };
  tracer?: { tracer: Tracer; pluginId: string };
  imageStore?: { create: (ctx: ImageStoreContext) => ImageStore; pluginId: string };
  builder?: { create: (ctx: BuilderContext) => Builder; pluginId: string };
  volumes?: { create: (ctx: VolumeStoreContext) => VolumeStore; pluginId: string };
  readonly schedulers = new Map<string, Scheduler>();
  readonly admission: AdmissionController[] = [];
  readonly simulators: Simulator[] = [];
  readonly ciCoordinators: CiCoordinator[] = [];
  readonly httpRoutes: HttpRoute[] = [];
  readonly volumeDrivers = new Map<string, VolumeDriver>();
  private readonly volumeDriverOwners = new Map<string, string>();
  private frozen = false;

  freeze(): void {
    this.frozen = true;
    this.admission.sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
  }

  private check(what: string, pluginId: string): void {
    if (this.frozen) throw new Error(`plugin '${pluginId}' registered a ${what} after boot; register in init`);
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
    const store: StoreRegistry = {
      setStore: (s) => {
        this.check('store', pluginId);
        if (this.store) throw new Error(`a store is provided by both '${this.store.pluginId}' and '${pluginId}'; configure one`);
        this.store = { store: s, pluginId };
      },
    };
    const tracing: TracingRegistry = {
      setTracer: (t) => {
        this.check('tracer', pluginId);
        if (this.tracer) throw new Error(`a tracer is set by both '${this.tracer.pluginId}' and '${pluginId}'; configure one`);
        this.tracer = { tracer: t, pluginId };
      },
    };
    const imageStore: ImageStoreRegistry = {
      setImageStore: (create) => {
        this.check('image store', pluginId);
        if (this.imageStore) throw new Error(`an image store is provided by both '${this.imageStore.pluginId}' and '${pluginId}'; configure one`);
        this.imageStore = { create, pluginId };
      },
    };
    const builder: BuilderRegistry = {
      setBuilder: (create) => {
        this.check('builder', pluginId);
        if (this.builder) throw new Error(`a builder is provided by both '${this.builder.pluginId}' and '${pluginId}'; configure one`);
        this.builder = { create, pluginId };
      },
    };
    const volumes: VolumeStoreRegistry = {
      setVolumeStore: (create) => {
        this.check('volume store', pluginId);
        if (this.volumes) throw new Error(`a volume store is provided by both '${this.volumes.pluginId}' and '${pluginId}'; configure one`);
        this.volumes = { create, pluginId };
      },
    };
    const schedulers: SchedulerRegistry = {
      register: (name, scheduler) => {
        this.check('scheduler', pluginId);
        if (this.schedulers.has(name)) throw new Error(`scheduler '${name}' registered twice (second by '${pluginId}')`);
        this.schedulers.set(name, scheduler);
      },
    };
    const admission: AdmissionRegistry = { register: (c) => { this.check('admission controller', pluginId); this.admission.push(c); } };
    const simulators: SimulatorRegistry = { register: (s) => { this.check('simulator', pluginId); this.simulators.push(s); } };
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
    return new Map<string, unknown>([
      [coreBackendDriversExtensionPoint.id, drivers],
      [coreStoreExtensionPoint.id, store],
      [coreSchedulerExtensionPoint.id, schedulers],
      [coreAdmissionExtensionPoint.id, admission],
      [coreSimulatorExtensionPoint.id, simulators],
      [coreCiCoordinatorExtensionPoint.id, ci],
      [coreHttpRoutesExtensionPoint.id, routes],
      [coreTracingExtensionPoint.id, tracing],
      [coreImageStoreExtensionPoint.id, imageStore],
      [coreBuilderExtensionPoint.id, builder],
      [coreVolumeDriversExtensionPoint.id, volumeDrivers],
      [coreVolumesExtensionPoint.id, volumes],
    ]);
  }
}
