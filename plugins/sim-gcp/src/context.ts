import type { FaultRule, Logger, Persistence, WorkloadRunner } from '@sockerless/sdk';

/** What every service of the Google Cloud simulator (Cloud Run, Cloud Functions, Cloud Logging) shares. */

export interface SimOptions {
  /** ms an execution's task stays pending before its process starts. */
  startDelayMs: number;
  /** Requests per second per service (run, functions, logging) before 429 RESOURCE_EXHAUSTED; absent = unlimited. */
  quota?: { ratePerSecond: number; burst: number };
  /** Requests that fail with a Google error (fault injection); none when absent. */
  faults?: FaultRule[];
  /** Where the simulator keeps its state; the plugin's own state dir by default. */
  stateDir: string;
}

/** The SDK's sandbox runner's types: one per simulator, with its cloud's wording (runner.ts). */
export type { RunningWorkload, SandboxRunSpec as RunSpec, WorkloadRunner } from '@sockerless/sdk';

/** Durable state of one service, written atomically to `stateDir/state/<name>.json` after changes. */
export type { Persistence };

/** One Cloud Logging entry as `entries.list` returns it (REST JSON). */
export interface LogEntry {
  logName: string;
  resource: { type: string; labels: Record<string, string> };
  labels?: Record<string, string>;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  timestamp: string;
  receiveTimestamp: string;
  severity: string;
  insertId: string;
}

export interface LogSink {
  /** Stores entries (timestamps and insert ids filled in when missing). */
  write(entries: Array<Partial<LogEntry> & Pick<LogEntry, 'logName' | 'resource'>>): void;
}

export interface SimContext {
  options: SimOptions;
  logger: Logger;
  runner: WorkloadRunner;
  persist: Persistence;
  logs: LogSink;
}
