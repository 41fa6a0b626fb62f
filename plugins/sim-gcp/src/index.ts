import { defineSimulatorPlugin, z } from '@sockerless/sdk';
import { FAULTS_PATH, gcpFaultRulesSchema } from './server';
import { createGcpSimulator } from './simulator';

export { createGcpSimulator, type GcpSimulator, type GcpSimulatorDeps } from './simulator';
export type { SimOptions } from './context';
export { GcpError } from './errors';
export { FAULTS_PATH } from './server';
export { IMAGE_VARIABLE } from './functions/api';
export { cli } from './cli';

const optionsSchema = z.strictObject({
  /** ms an execution's tasks wait before their processes start. */
  startDelayMs: z.number().int().min(0).default(0),
  /** Requests per second per service (run, functions, logging) before 429 RESOURCE_EXHAUSTED. */
  quota: z.strictObject({ ratePerSecond: z.number().positive(), burst: z.number().int().min(1) }).optional(),
  /**
   * Requests that fail with a Google error (`{ service: 'run', error: 'UNAVAILABLE', every: 2 }`), to show
   * retries and error mapping; changed at runtime with PUT /sockerless/faults.
   */
  faults: gcpFaultRulesSchema.default([]),
  /** Where state is kept; the plugin's own state dir by default. */
  stateDir: z.string().min(1).optional(),
});

/**
 * The Google Cloud simulator: Cloud Run jobs, Cloud Functions (gen2) and Cloud Logging on their REST wire, on
 * one listener the core opens (`simulators.gcp.listen`), running workloads in backend-local's sandbox.
 */
export default defineSimulatorPlugin({
  id: 'sim-gcp',
  options: optionsSchema,
  create: (services, options) => createGcpSimulator(services, options),
});
