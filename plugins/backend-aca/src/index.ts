import { defineBackendPlugin } from '@sockerless/sdk';
import { createAcaDriver } from './driver';
import { acaOptionsSchema } from './options';

export { AcaDriver, createAcaDriver } from './driver';
export { acaOptionsSchema, type AcaOptions } from './options';
export { jobNameOf, jobTags } from './job';
export { cli } from './cli';

/**
 * Docker containers as Azure Container Apps jobs: one manual job per container (made at create), one
 * execution per start, output from Log Analytics, exec/attach/cp and signals through the workload agent. The
 * Azure clients are loaded when an `aca` backend instance is created, never by merely listing the plugin.
 */
export default defineBackendPlugin({
  id: 'backend-aca',
  drivers: (services) => [{ kind: 'aca', optionsSchema: acaOptionsSchema, create: (ctx) => createAcaDriver(ctx, services) }],
});
