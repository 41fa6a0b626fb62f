import type { ExitStatus, ImageStoreService, Logger } from '@sockerless/sdk';

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

export interface RunSpec {
  /** Unique per run: a task id, an invocation id. */
  id: string;
  /** An image reference; resolved through the core's image store. */
  image: string;
  /** The full argv; when empty, Docker's merge of `entrypoint`/`cmd` with the image's Entrypoint and Cmd. */
  argv: string[];
  /** With an empty argv: replaces the image's Entrypoint (and then drops its Cmd). */
  entrypoint?: string[];
  /** With an empty argv: replaces the image's Cmd. */
  cmd?: string[];
  /** `NAME=value`; merged over the image's Env. */
  env: string[];
  workingDir: string;
  user: string;
  /** Called for every complete line (without its newline) the process writes, and for a last partial line. */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

export interface RunningWorkload {
  /** Resolves when the process has exited and its output was delivered through onLine. */
  exited: Promise<ExitStatus>;
  signal(signal: string): Promise<void>;
}

/** Runs a workload in the local sandbox runtime (with the agent available at AGENT_ENTRYPOINT). */
export interface WorkloadRunner {
  /** Rejects with an AwsError-worthy message when the image is unknown (CannotPullContainerError). */
  run(spec: RunSpec): Promise<RunningWorkload>;
}

/** Durable state of one service, written atomically to `stateDir/<name>.json` after changes. */
import type { Persistence } from '@sockerless/sdk';
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
