import { coreServices, type BootStep, type Logger, type SockerlessConfig } from '@sockerless/sdk';
import type { Core } from '../core-services';
import { backendCatalogOf, containersServiceOf } from '../plugin-services';
import type { PluginHost } from './plugin-host';
import { CoreEventsBus, CoreMetrics } from './services';
import { CoreTracer } from './tracing';

/** The root core services, before any init; boot and `sockerless config check` share it, so a check inits as a boot. */
export function provideRootServices(host: PluginHost, opts: {
  logger: Logger; loaded: { file: string; config: SockerlessConfig }; requireCore: () => Core; boot?: () => BootStep | undefined;
}) {
  const { logger, loaded, requireCore } = opts;
  const events = new CoreEventsBus(logger);
  host.provideRootService(coreServices.events, events);
  const metrics = new CoreMetrics();
  host.provideRootService(coreServices.metrics, metrics);
  host.provideRootService(coreServices.config, { file: loaded.file, section: (name: string) => loaded.config[name] });
  const tracer = new CoreTracer();
  host.provideRootService(coreServices.tracer, tracer);
  // The image service needs the store, which a plugin provides during init; plugins resolve images later.
  host.provideRootService(coreServices.images, { resolve: (ref: string) => requireCore().images.resolve(ref) });
  host.provideRootService(coreServices.containers, containersServiceOf(requireCore));
  host.provideRootService(coreServices.backends, backendCatalogOf(requireCore, host.registries));
  host.provideRootService(coreServices.boot, { tree: () => opts.boot?.() });
  // Each API request calls these, for plugins that act once the daemon is quiet (malloc-tune).
  const requestListeners = new Set<() => void>();
  host.provideRootService(coreServices.requests, { onRequest: (l) => { requestListeners.add(l); return () => requestListeners.delete(l); } });
  const requestCame = () => { for (const l of requestListeners) l(); };
  return { events, metrics, tracer, requestCame };
}
