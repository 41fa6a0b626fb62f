import { z } from 'zod';
import type { SimulatorDirectory } from './services';

/**
 * The options every cloud backend takes to reach its provider's API, for a backend to spread into its own
 * strict options schema and refine:
 * `refineOneEndpoint(z.strictObject({ ...cloudConnectionOptions, region: ... }))`.
 */
export const cloudConnectionOptions = {
  /** An API endpoint URL instead of the provider's (LocalStack, a proxy, a simulator running elsewhere). */
  endpoint: z.string().url().optional(),
  /** The name of a simulator running in this daemon (e.g. `aws`); its endpoint replaces the provider's, with fake credentials. */
  simulator: z.string().min(1).optional(),
  /** Static credentials (e.g. for an `endpoint` that wants any); otherwise the provider's standard chain. */
  credentials: z.strictObject({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() }).optional(),
  /** Attempts per control-plane call (the client's retry of throttles and 5xx); 1 turns retries off. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** The adaptive poll of the backend's status or log calls: `min` after a change, growing to `max` while idle. */
  pollIntervalMs: z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) })
    .refine((p) => p.min <= p.max, 'pollIntervalMs.min must not exceed pollIntervalMs.max')
    .default({ min: 10, max: 500 }),
};

/** Refuses options that set both `endpoint` and `simulator` (the issue names `simulator`). */
export function refineOneEndpoint<T extends z.ZodType<{ endpoint?: string; simulator?: string }>>(schema: T): T {
  // A fresh params object per call: zod normalises (mutates) the one it is given.
  return schema.refine((o) => !(o.endpoint && o.simulator), { message: ONE_ENDPOINT_MESSAGE, path: ['simulator'] });
}

export const ONE_ENDPOINT_MESSAGE = 'give either endpoint or simulator, not both';

/**
 * The key pair every simulator accepts (it verifies each call's signature, so a caller without a known pair is
 * refused); static, so a provider's SDK never walks its default chain (env, profiles, metadata server).
 */
export const SIMULATOR_CREDENTIALS = { accessKeyId: 'sockerless', secretAccessKey: 'sockerless' } as const;

export interface CloudConnection {
  /** Undefined: the provider's own endpoint. */
  endpoint?: string;
  /** Undefined: the provider's standard credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * Where a backend sends its calls and with what credentials. `simulator` names one running in this daemon.
 * Credentials given in the options win; otherwise a simulator, here or at any loopback endpoint, gets the
 * simulator's pair, which it accepts, since looking for real ones would be slow and send traffic elsewhere.
 */
export function resolveCloudConnection(
  options: { endpoint?: string; simulator?: string; credentials?: CloudConnection['credentials'] },
  simulators: SimulatorDirectory,
): CloudConnection {
  const endpoint = options.simulator ? simulators.endpoint(options.simulator) : options.endpoint;
  const simulated = !!options.simulator || (!!endpoint && isLoopbackUrl(endpoint));
  return { endpoint, credentials: options.credentials ?? (simulated ? { ...SIMULATOR_CREDENTIALS } : undefined) };
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}
