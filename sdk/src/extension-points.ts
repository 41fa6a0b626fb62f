import { createExtensionPoint } from './refs';
import type { BackendDriverRegistry } from './contracts/backend';
import type { StoreRegistry } from './contracts/store';
import type { SchedulerRegistry } from './contracts/scheduler';
import type { AdmissionRegistry } from './contracts/admission';
import type { SimulatorRegistry } from './contracts/simulator';
import type { CiCoordinatorRegistry } from './contracts/ci';
import type { HttpRoutesRegistry } from './contracts/http-routes';
import type { VolumeDriverRegistry, VolumeStoreRegistry } from './contracts/volumes';
import type { ImageStoreRegistry } from './contracts/images';
import type { BuilderRegistry } from './contracts/build';
import type { NetworksRegistry } from './contracts/networks';
import type { LifecycleHooksRegistry } from './contracts/lifecycle';
import type { LogDriverRegistry } from './contracts/logs';

/** The extension points the core owns. Contributors register in `init`; the core reads them after all inits. */
export const coreBackendDriversExtensionPoint = createExtensionPoint<BackendDriverRegistry>({ id: 'core.backendDrivers' });
export const coreStoreExtensionPoint = createExtensionPoint<StoreRegistry>({ id: 'core.store', cardinality: 'single' });
export const coreSchedulerExtensionPoint = createExtensionPoint<SchedulerRegistry>({ id: 'core.scheduler' });
export const coreAdmissionExtensionPoint = createExtensionPoint<AdmissionRegistry>({ id: 'core.admission' });
export const coreSimulatorExtensionPoint = createExtensionPoint<SimulatorRegistry>({ id: 'core.simulator' });
export const coreCiCoordinatorExtensionPoint = createExtensionPoint<CiCoordinatorRegistry>({ id: 'core.ciCoordinator' });
export const coreHttpRoutesExtensionPoint = createExtensionPoint<HttpRoutesRegistry>({ id: 'core.httpRoutes' });
export const coreVolumeDriversExtensionPoint = createExtensionPoint<VolumeDriverRegistry>({ id: 'core.volumeDrivers' });
/** Docker's volumes (records, scoping, prune) over those drivers; `volumes` unless a configured plugin provides them. */
export const coreVolumesExtensionPoint = createExtensionPoint<VolumeStoreRegistry>({ id: 'core.volumes', cardinality: 'single', defaultPlugin: 'volumes' });
/** Docker's image store (pull, push, save/load, commit, layers); `image-store` unless a configured plugin provides one. */
export const coreImageStoreExtensionPoint = createExtensionPoint<ImageStoreRegistry>({ id: 'core.imageStore', cardinality: 'single', defaultPlugin: 'image-store' });
/** `docker build` (the classic builder and its step cache); `builder` unless a configured plugin provides one. */
export const coreBuilderExtensionPoint = createExtensionPoint<BuilderRegistry>({ id: 'core.builder', cardinality: 'single', defaultPlugin: 'builder' });
/** Docker's networks (IPAM, endpoints, `/etc/hosts`, links, published ports); `networks` unless a configured plugin provides them. */
export const coreNetworksExtensionPoint = createExtensionPoint<NetworksRegistry>({ id: 'core.networks', cardinality: 'single', defaultPlugin: 'networks' });
/**
 * Concerns that ride on the container lifecycle (`LifecycleHook`, contracts/lifecycle.ts): `health` (HEALTHCHECK),
 * `restart-policy` and `confinement` (resource limits, security settings), added to a config that does not list
 * them (core/src/config/implied-plugins.ts).
 */
export const coreLifecycleHooksExtensionPoint = createExtensionPoint<LifecycleHooksRegistry>({ id: 'core.lifecycleHooks' });
/** Docker's log driver (where container output is kept, what `docker logs` reads); `logs-local` unless a configured plugin provides one. */
export const coreLogDriverExtensionPoint = createExtensionPoint<LogDriverRegistry>({ id: 'core.logDriver', cardinality: 'single', defaultPlugin: 'logs-local' });
