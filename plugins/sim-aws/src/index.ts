import { defineSimulatorPlugin, z } from '@sockerless/sdk';
import { createAwsSimulator } from './simulator';

export { createAwsSimulator, type AwsSimulator, type AwsSimulatorDeps } from './simulator';
export type { SimContext, SimOptions } from './context';
export { AwsError } from './errors';
export { cli } from './cli';

const optionsSchema = z.strictObject({
  region: z.string().min(1).default('us-east-1'),
  accountId: z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits').default('000000000000'),
  /** ms a task spends in PROVISIONING/PENDING before its process starts. */
  startDelayMs: z.number().int().min(0).default(0),
  throttle: z.strictObject({ ratePerSecond: z.number().positive(), burst: z.number().int().min(1) }).optional(),
  /** Key pairs whose SigV4 signatures the simulator accepts besides SIMULATOR_CREDENTIALS (sockerless/sockerless); every call must be signed. */
  credentials: z.array(z.strictObject({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) })).optional(),
  /** Where state is kept; the plugin's own state dir by default. */
  stateDir: z.string().min(1).optional(),
});

/**
 * The AWS simulator: ECS (Fargate tasks), CloudWatch Logs and Lambda on their real wire protocols, on one
 * listener the core opens (`simulators.aws.listen`), running workloads in backend-local's sandbox.
 */
export default defineSimulatorPlugin({
  id: 'sim-aws',
  options: optionsSchema,
  create: (services, options) => createAwsSimulator(services, options),
});
