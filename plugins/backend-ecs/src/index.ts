import { defineBackendPlugin } from '@sockerless/sdk';
import { createEcsDriver } from './driver';
import { ecsOptionsSchema } from './options';

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
export default defineBackendPlugin({
  id: 'backend-ecs',
  drivers: (services) => [{ kind: 'ecs', optionsSchema: ecsOptionsSchema, create: (ctx) => createEcsDriver(ctx, services) }],
});
