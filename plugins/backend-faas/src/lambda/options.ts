import { cloudConnectionOptions, refineOneEndpoint, z } from '@sockerless/sdk';

/** Lambda's own limits, checked before a call so the user gets the reason instead of a generic AWS refusal. */
export const LAMBDA_LIMITS = {
  maxTimeoutSeconds: 900,
  minMemoryMb: 128,
  maxMemoryMb: 10240,
  maxFunctionNameLength: 64,
  /** The total size of a function's environment variables (names and values). */
  maxEnvironmentBytes: 4096,
  maxTags: 50,
  maxTagValueLength: 256,
} as const;

export const lambdaOptionsSchema = refineOneEndpoint(z.strictObject({
  /** The AWS region; AWS_REGION, then us-east-1, when absent. */
  region: z.string().min(1).optional(),
  /** The execution role every function gets. */
  role: z.string().min(1).default('arn:aws:iam::000000000000:role/sockerless-lambda'),
  /** The function timeout: the longest a container may run. Lambda's maximum by default. */
  timeoutSeconds: z.number().int().min(1).max(LAMBDA_LIMITS.maxTimeoutSeconds).default(LAMBDA_LIMITS.maxTimeoutSeconds),
  /** Memory of a function when the container sets none (`docker run -m` overrides it). */
  memoryMb: z.number().int().min(LAMBDA_LIMITS.minMemoryMb).max(LAMBDA_LIMITS.maxMemoryMb).default(512),
  /**
   * endpoint (Lambda and CloudWatch Logs), simulator (fake credentials sent), credentials, maxAttempts (per
   * control-plane call; Invoke is never retried) and pollIntervalMs (the CloudWatch Logs poll while an invocation runs).
   */
  ...cloudConnectionOptions,
  /** Function names are `<prefix><container id>`, cut to Lambda's 64 characters. */
  functionPrefix: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'letters, digits, - and _ only (1 to 40)').default('sockerless-'),
  /** How long exec, cp, attach and signals wait for the workload agent of a running invocation to dial in. */
  agentWaitMs: z.number().int().min(0).default(15000),
}));

export type LambdaOptions = z.output<typeof lambdaOptionsSchema>;
