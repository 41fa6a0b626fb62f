import { cloudConnectionOptions, refineOneEndpoint, z } from '@sockerless/sdk';

// Google clients take no key pair: off Google no credentials are sent, on Google Application Default Credentials.
const { credentials: _awsStyleCredentials, ...connection } = cloudConnectionOptions;

/** `backends.<name>.options` of a `cloudrun` instance. Strict, so a misspelt option stops the boot. */
export const cloudRunOptionsSchema = refineOneEndpoint(z.strictObject({
  /** The Google Cloud project; `GOOGLE_CLOUD_PROJECT` when absent (required on Google itself). */
  project: z.string().regex(/^[a-z][-a-z0-9.:]{0,62}$/, 'a Google Cloud project id: lowercase letters, digits and hyphens').optional(),
  region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'a Cloud Run region, e.g. us-central1').default(() => process.env.CLOUD_RUN_REGION || 'us-central1'),
  /** The service account the job's tasks run as (its email); the project's default compute account when absent. */
  serviceAccount: z.string().email().optional(),
  /** A Serverless VPC Access connector (`projects/P/locations/L/connectors/C`) for the tasks' private egress. */
  vpcConnector: z.string().min(1).optional(),
  /** endpoint, simulator, maxAttempts (per Google call) and pollIntervalMs (the execution and log polls). */
  ...connection,
  /**
   * The task timeout: Cloud Run ends a task that runs longer (its default is 10 minutes, which would end a
   * long-running container; the default here is a day, the API allows up to 7).
   */
  taskTimeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(24 * 3600),
  /** Wrap the entrypoint with the workload agent (signals, stdin, exec, cp); without it only logs and exit codes. */
  agent: z.boolean().default(true),
}));

export type CloudRunOptions = z.output<typeof cloudRunOptionsSchema>;
