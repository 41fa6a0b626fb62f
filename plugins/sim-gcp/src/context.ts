import type { ExitStatus, FaultRule, Logger } from '@sockerless/sdk';

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

export interface RunSpec {
  /** Unique per run: a task id, an invocation id. */
  id: string;
  /** An image reference; resolved through the core's image store. */
  image: string;
  /** Cloud Run's `command` (replaces the image's Entrypoint); absent keeps the image's. */
  command?: string[];
  /** Cloud Run's `args` (replaces the image's Cmd); absent keeps the image's. */
  args?: string[];
  /** `NAME=value`; merged over the image's Env. */
  env: string[];
  workingDir: string;
  /** Given to the process on stdin, which is then closed; no stdin when absent. */
  stdin?: Buffer;
  /** Called for every complete line (without its newline) the process writes, and for a last partial line. */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

export interface RunningWorkload {
  /** Resolves when the process has exited and its output was delivered through onLine. */
  exited: Promise<ExitStatus>;
  signal(signal: string): Promise<void>;
}

export interface WorkloadRunner {
  /** Whether the image store has `ref` (as a registry would, before anything runs it). */
  hasImage(ref: string): boolean;
  /** Rejects (with the reason) when the image is unknown or the process cannot start. */
  run(spec: RunSpec): Promise<RunningWorkload>;
}

/** Durable state of one service, written atomically to `stateDir/state/<name>.json` after changes. */
import type { Persistence } from '@sockerless/sdk';
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
