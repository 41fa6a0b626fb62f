import type {
  Builder, BuilderContext, BuilderRegistry, AdmissionController, AdmissionRegistry, BackendDriverFactory, BackendDriverRegistry, CiCoordinator,
  CiCoordinatorRegistry, HttpRoute, HttpRoutesRegistry, ImageStore, ImageStoreContext, ImageStoreRegistry, Scheduler, SchedulerRegistry, Simulator,
  SimulatorRegistry, StateStore, StoreRegistry, Tracer, TracingRegistry, VolumeDriver, VolumeDriverRegistry,
} from '@sockerless/sdk';
import {
  coreAdmissionExtensionPoint, coreBackendDriversExtensionPoint, coreCiCoordinatorExtensionPoint,
  coreHttpRoutesExtensionPoint, coreSchedulerExtensionPoint, coreSimulatorExtensionPoint, coreStoreExtensionPoint,
  coreBuilderExtensionPoint, coreImageStoreExtensionPoint, coreTracingExtensionPoint, coreVolumeDriversExtensionPoint,
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

  /** A provider there may be one of: a second is a boot error that names both plugins. */
  private claim<T extends { pluginId: string }>(current: T | undefined, next: T, what: string, taken: string): T {
    this.check(what, next.pluginId);
    if (current) throw new Error(`${taken} by both '${current.pluginId}' and '${next.pluginId}'; configure one`);
    return next;
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
    const store: StoreRegistry = { setStore: (s) => { this.store = this.claim(this.store, { store: s, pluginId }, 'store', 'a store is provided'); } };
    const tracing: TracingRegistry = { setTracer: (t) => { this.tracer = this.claim(this.tracer, { tracer: t, pluginId }, 'tracer', 'a tracer is set'); } };
    const imageStore: ImageStoreRegistry = {
      setImageStore: (create) => { this.imageStore = this.claim(this.imageStore, { create, pluginId }, 'image store', 'an image store is provided'); },
    };
    const builder: BuilderRegistry = { setBuilder: (create) => { this.builder = this.claim(this.builder, { create, pluginId }, 'builder', 'a builder is provided'); } };
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
    ]);
  }
}
