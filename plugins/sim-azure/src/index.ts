import { defineSimulatorPlugin, z } from '@sockerless/sdk';
import { createAzureSimulator } from './simulator';

export { createAzureSimulator, type AzureSimulator, type AzureSimulatorDeps } from './simulator';
export type { SimOptions } from './context';
export { ArmError } from './errors';
export { cli } from './cli';

const optionsSchema = z.strictObject({
  /** ms an execution's replica waits before its process starts. */
  startDelayMs: z.number().int().min(0).default(0),
  /** ARM requests per second before 429 TooManyRequests (with Retry-After). */
  quota: z.strictObject({ ratePerSecond: z.number().positive(), burst: z.number().int().min(1) }).optional(),
  /** Where state and the TLS certificate are kept; the plugin's own state dir by default. */
  stateDir: z.string().min(1).optional(),
});

/**
 * The Azure simulator: ARM (Container Apps jobs, Function Apps), Log Analytics queries and an OAuth2 token
 * endpoint over HTTPS on one listener the core opens (`simulators.azure.listen`), running workloads in
 * backend-local's sandbox.
 */
export default defineSimulatorPlugin({
  id: 'sim-azure',
  options: optionsSchema,
  create: (services, options) => createAzureSimulator(services, options),
});
