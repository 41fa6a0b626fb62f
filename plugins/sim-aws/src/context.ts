import type { ImageStoreService, Logger, Persistence, WorkloadRunner } from '@sockerless/sdk';

/**
 * What every service of the AWS simulator (ECS, CloudWatch Logs, Lambda) shares. The ECS/Logs side owns
 * the implementations (server.ts, runner.ts, logs.ts, persist.ts); Lambda codes against these types only.
 */

export interface SimOptions {
  region: string;
  accountId: string;
  /** ms a task stays in PROVISIONING/PENDING before its process starts. */
  startDelayMs: number;
  /** Requests per second per service before ThrottlingException (ECS, Logs) / TooManyRequestsException (Lambda); absent = unlimited. */
  throttle?: { ratePerSecond: number; burst: number };
  /** Where the simulator keeps its state; the plugin's own state dir by default. */
  stateDir: string;
  /** Key pairs whose SigV4 signatures it accepts, besides SIMULATOR_CREDENTIALS (which it always accepts). */
  credentials?: { accessKeyId: string; secretAccessKey: string }[];
}

/** One log event as CloudWatch Logs stores it. */
export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface LogsService {
  /** Creates the group when missing (no error when it exists). */
  ensureGroup(group: string): void;
  hasGroup(group: string): boolean;
  ensureStream(group: string, stream: string): void;
  /** Appends events now (ingestionTime = now); creates group and stream when missing. */
  append(group: string, stream: string, events: Array<{ timestamp: number; message: string }>): void;
}

/** The SDK's sandbox runner's types: one per simulator, with its cloud's wording (runner.ts). */
export type { RunningWorkload, SandboxRunSpec as RunSpec, WorkloadRunner } from '@sockerless/sdk';

/** Durable state of one service, written atomically to `stateDir/<name>.json` after changes. */
export type { Persistence };

export interface SimContext {
  options: SimOptions;
  logger: Logger;
  images: ImageStoreService;
  logs: LogsService;
  runner: WorkloadRunner;
  persist: Persistence;
  /** `arn:aws:<service>:<region>:<account>:<resource>` */
  arn(service: string, resource: string): string;
}
