import { coreBackendDriversExtensionPoint, coreServices, definePlugin, sandboxRuntimeServiceRef, z } from '@sockerless/sdk';
import { LocalDriver, type LocalDriverOptions } from './driver';
import { SharedHostBridges } from './network/host-bridges';
import { instanceContainerRoots } from './network/live-networks';

export { LocalDriver, type LocalDriverOptions } from './driver';
export { detectHostTools, type HostTools } from './host-tools';
export { bareSandboxArgv, type BareSandboxOptions } from './bare-sandbox';

/** The embedded default backend: each container in a bubblewrap sandbox on this host. */
export default definePlugin({
  id: 'backend-local',
  sdk: '^1.0.0',
  register(reg) {
    // Simulators run what a cloud is asked to run in the same sandbox as this backend, on the host's network.
    reg.provideService(sandboxRuntimeServiceRef, () => ({
      open: ({ name, stateDir, logger }) => new LocalDriver({ instanceName: name, stateDir, logger, options: { sandbox: 'auto', network: 'host', liveRestore: false } }),
    }));
    reg.registerInit({
      deps: { drivers: coreBackendDriversExtensionPoint, logger: coreServices.logger, paths: coreServices.paths },
      init({ drivers, logger, paths }) {
        // One bridge per Docker network for the whole daemon, whichever instance (pool) a container runs in.
        const hostBridges = new SharedHostBridges(paths.home, () => instanceContainerRoots(paths.home));
        drivers.register({
          kind: 'local',
          // Strict, so a misspelt option stops the boot instead of being ignored.
          // `network` has no schema default (the driver defaults it to `auto`), so a config without it validates as before.
          optionsSchema: z.strictObject({
            sandbox: z.enum(['auto', 'bubblewrap', 'none']).default('auto'),
            network: z.enum(['auto', 'host']).optional(),
            // dockerd's --live-restore, on by default here: each workload is held by a monitor that outlives the daemon.
            liveRestore: z.boolean().optional(),
            // dockerd's --userns-remap (off when absent): container ids 0..size-1 are host ids uid..uid+size-1.
            usernsRemap: z.strictObject({
              uid: z.number().int().min(1), gid: z.number().int().min(1), size: z.number().int().min(1).max(4294967294),
            }).optional(),
          }),
          create: (ctx) => new LocalDriver(ctx as typeof ctx & { options: LocalDriverOptions }, undefined, hostBridges),
        });
        logger.debug('local backend driver registered');
      },
    });
  },
});
