import { cloudConnectionOptions, refineOneEndpoint, z } from '@sockerless/sdk';

// Google clients take no key pair: off Google no credentials are sent, on Google Application Default Credentials.
const { credentials: _awsStyleCredentials, ...connection } = cloudConnectionOptions;

/** Cloud Functions (2nd gen) limits, checked before a call so the user gets the reason. */
export const CLOUD_FUNCTIONS_LIMITS = {
  /** An HTTP function's request timeout cap (2nd gen). */
  maxTimeoutSeconds: 3600,
  minMemoryMb: 128,
  maxMemoryMb: 32768,
  /** A function id: a lowercase letter, then lowercase letters, digits and hyphens, 63 in all. */
  maxFunctionIdLength: 63,
} as const;

/** `backends.<name>.options` of a `cloudfunctions` instance. Strict, so a misspelt option stops the boot. */
export const cloudFunctionsOptionsSchema = refineOneEndpoint(z.strictObject({
  /** The Google Cloud project; `GOOGLE_CLOUD_PROJECT` when absent (required on Google itself). */
  project: z.string().regex(/^[a-z][-a-z0-9.:]{0,62}$/, 'a Google Cloud project id: lowercase letters, digits and hyphens').optional(),
  region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'a Cloud Functions region, e.g. us-central1').default(() => process.env.FUNCTION_REGION || 'us-central1'),
  /** The service account the functions run as (its email); the project's default compute account when absent. */
  serviceAccount: z.string().email().optional(),
  /** The request timeout: the longest a container may run (2nd gen HTTP functions allow up to an hour). */
  timeoutSeconds: z.number().int().min(1).max(CLOUD_FUNCTIONS_LIMITS.maxTimeoutSeconds).default(CLOUD_FUNCTIONS_LIMITS.maxTimeoutSeconds),
  /** Memory of a function when the container sets none (`docker run -m` overrides it). */
  memoryMb: z.number().int().min(CLOUD_FUNCTIONS_LIMITS.minMemoryMb).max(CLOUD_FUNCTIONS_LIMITS.maxMemoryMb).default(512),
  /** endpoint, simulator, maxAttempts (per Google call) and pollIntervalMs (the Cloud Logging poll while an invocation runs). */
  ...connection,
  /** Function ids are `<prefix><container id>`, cut to 63 characters. */
  functionPrefix: z.string().regex(/^[a-z][-a-z0-9]{0,30}$/, 'a lowercase letter, then lowercase letters, digits and - (1 to 31)').default('sockerless-'),
  /** How long exec, cp, attach and signals wait for the workload agent of a running invocation to dial in. */
  agentWaitMs: z.number().int().min(0).default(15000),
}));

export type CloudFunctionsOptions = z.output<typeof cloudFunctionsOptionsSchema>;
