import { coreBackendDriversExtensionPoint, coreServices, definePlugin } from '@sockerless/sdk';
import { createAcaDriver } from './driver';
import { acaOptionsSchema, type AcaOptions } from './options';

export { AcaDriver, createAcaDriver } from './driver';
export { acaOptionsSchema, type AcaOptions } from './options';
export { jobNameOf, jobTags } from './job';
export { cli } from './cli';

/**
 * Docker containers as Azure Container Apps jobs: one manual job per container (made at create), one
 * execution per start, output from Log Analytics, exec/attach/cp and signals through the workload agent. The
 * Azure clients are loaded when an `aca` backend instance is created, never by merely listing the plugin.
 */
export default definePlugin({
  id: 'backend-aca',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: {
        drivers: coreBackendDriversExtensionPoint,
        logger: coreServices.logger,
        agents: coreServices.agents,
        simulators: coreServices.simulators,
      },
      init({ drivers, logger, agents, simulators }) {
        drivers.register({
          kind: 'aca',
          optionsSchema: acaOptionsSchema,
          create: (ctx) => createAcaDriver(ctx as typeof ctx & { options: AcaOptions }, { agents, simulators }),
        });
        logger.debug('aca backend driver registered');
      },
    });
  },
});
