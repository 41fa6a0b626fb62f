import { z } from '@sockerless/sdk';

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

export const lambdaOptionsSchema = z.strictObject({
  /** The AWS region; AWS_REGION, then us-east-1, when absent. */
  region: z.string().min(1).optional(),
  /** The execution role every function gets. */
  role: z.string().min(1).default('arn:aws:iam::000000000000:role/sockerless-lambda'),
  /** The function timeout: the longest a container may run. Lambda's maximum by default. */
  timeoutSeconds: z.number().int().min(1).max(LAMBDA_LIMITS.maxTimeoutSeconds).default(LAMBDA_LIMITS.maxTimeoutSeconds),
  /** Memory of a function when the container sets none (`docker run -m` overrides it). */
  memoryMb: z.number().int().min(LAMBDA_LIMITS.minMemoryMb).max(LAMBDA_LIMITS.maxMemoryMb).default(512),
  /** An endpoint URL for the Lambda and CloudWatch Logs APIs (a simulator, a proxy). */
  endpoint: z.string().url().optional(),
  /** The name of a simulator running in this daemon (e.g. `aws`); its endpoint is used and fake credentials sent. */
  simulator: z.string().min(1).optional(),
  /** Static credentials (an `endpoint` that wants any); otherwise the standard AWS chain (fake ones with `simulator`). */
  credentials: z.strictObject({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() }).optional(),
  /** Attempts per control-plane call (the SDK's retry of throttles and 5xx); Invoke is never retried. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** The CloudWatch Logs poll while an invocation runs: `min` after output, doubling to `max` while quiet. */
  pollIntervalMs: z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) })
    .refine((p) => p.min <= p.max, 'pollIntervalMs.min must not exceed pollIntervalMs.max')
    .default({ min: 10, max: 500 }),
  /** Function names are `<prefix><container id>`, cut to Lambda's 64 characters. */
  functionPrefix: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'letters, digits, - and _ only (1 to 40)').default('sockerless-'),
  /** How long exec, cp, attach and signals wait for the workload agent of a running invocation to dial in. */
  agentWaitMs: z.number().int().min(0).default(15000),
}).refine((o) => !(o.endpoint && o.simulator), { message: 'set either endpoint or simulator, not both' });

export type LambdaOptions = z.output<typeof lambdaOptionsSchema>;
