import type { Logger, Persistence, WorkloadRunner } from '@sockerless/sdk';

/** What every service of the Azure simulator (ARM, Log Analytics, the token endpoint) shares. */

export interface SimOptions {
  /** ms an execution's replica stays pending before its process starts. */
  startDelayMs: number;
  /** ARM requests per second before 429 TooManyRequests with Retry-After; absent = unlimited. */
  quota?: { ratePerSecond: number; burst: number };
  /** Where the simulator keeps its state and its TLS certificate; the plugin's own state dir by default. */
  stateDir: string;
}

/** The SDK's sandbox runner's types: one per simulator, with its cloud's wording (runner.ts). */
export type { RunningWorkload, SandboxRunSpec as RunSpec, WorkloadRunner } from '@sockerless/sdk';

/** Durable state of one service, written atomically to `stateDir/state/<name>.json` after changes. */
export type { Persistence };

export interface SimContext {
  options: SimOptions;
  logger: Logger;
  runner: WorkloadRunner;
  persist: Persistence;
}
