import { defineBackendPlugin } from '@sockerless/sdk';
import { createCloudRunDriver } from './driver';
import { cloudRunOptionsSchema } from './options';

export { CloudRunDriver, createCloudRunDriver } from './driver';
export { cloudRunOptionsSchema, type CloudRunOptions } from './options';
export { identityLabels, identityOfLabels, LABEL } from './labels';
export { cli } from './cli';

/**
 * Docker containers as Cloud Run jobs: one job per container (made at create), one execution per start,
 * output from Cloud Logging, exec/attach/cp and signals through the workload agent. The Google clients are
 * loaded when a `cloudrun` backend instance is created, never by merely listing the plugin.
 */
export default defineBackendPlugin({
  id: 'backend-cloudrun',
  drivers: (services) => [{ kind: 'cloudrun', optionsSchema: cloudRunOptionsSchema, create: (ctx) => createCloudRunDriver(ctx, services) }],
});
