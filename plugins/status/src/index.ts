import { coreHttpRoutesExtensionPoint, coreServices, definePlugin, type BackendCatalog, type BootReport, type ContainersService, type DaemonStatus } from '@sockerless/sdk';

/** The daemon as `sockerless status` shows it, read from the core's services on each request. */
export function daemonStatus(backends: BackendCatalog, containers: ContainersService, boot: BootReport): DaemonStatus {
  const byState: Record<string, number> = {};
  const all = containers.list();
  for (const c of all) byState[c.status] = (byState[c.status] ?? 0) + 1;
  const defaultBackend = backends.defaultBackend();
  return {
    backends: backends.list().map((b) => ({ ...b, available: backends.isAvailable(b.name), default: b.name === defaultBackend })),
    // Every container: `/internal/*` is the operator's (the tenants plugin refuses it to a tenant's token).
    containers: { total: all.length, byState },
    // Set once the boot has finished; before that the tree is still growing.
    boot: boot.tree(),
  };
}

/**
 * `GET /internal/status`: the backends, the containers per state and the boot's tree, as a management route
 * like the pools plugin's `/internal/pools`. The daemon adds this plugin to every config
 * (core/src/config/implied-plugins.ts).
 */
export default definePlugin({
  id: 'status',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { routes: coreHttpRoutesExtensionPoint, backends: coreServices.backends, containers: coreServices.containers, boot: coreServices.boot },
      async init({ routes, backends, containers, boot }) {
        routes.add({ method: 'GET', path: '/internal/status', handler: () => ({ body: daemonStatus(backends, containers, boot) }) });
      },
    });
  },
});
