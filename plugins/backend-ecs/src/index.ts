import { coreBackendDriversExtensionPoint, coreServices, definePlugin } from '@sockerless/sdk';
import { createEcsDriver } from './driver';
import { ecsOptionsSchema, type EcsOptions } from './options';

export { EcsDriver } from './driver';
export { ecsOptionsSchema, type EcsOptions } from './options';
export { TAG, identityTags } from './tags';
export { mapAwsError } from './errors';
export { cli } from './cli';

/**
 * Docker containers as ECS Fargate tasks: one task definition per container (made at create), one task per
 * start, output from CloudWatch Logs, exec/attach/cp through the workload agent. The AWS SDK is loaded
 * when an `ecs` backend instance is created, never by merely listing the plugin.
 */
export default definePlugin({
  id: 'backend-ecs',
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
          kind: 'ecs',
          optionsSchema: ecsOptionsSchema,
          create: (ctx) => createEcsDriver(ctx as typeof ctx & { options: EcsOptions }, { agents, simulators }),
        });
        logger.debug('ecs backend driver registered');
      },
    });
  },
});
