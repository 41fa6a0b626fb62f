import type { ExitStatus, Logger } from '@sockerless/sdk';

/** What every service of the Azure simulator (ARM, Log Analytics, the token endpoint) shares. */

export interface SimOptions {
  /** ms an execution's replica stays pending before its process starts. */
  startDelayMs: number;
  /** ARM requests per second before 429 TooManyRequests with Retry-After; absent = unlimited. */
  quota?: { ratePerSecond: number; burst: number };
  /** Where the simulator keeps its state and its TLS certificate; the plugin's own state dir by default. */
  stateDir: string;
}

export interface RunSpec {
  /** Unique per run: a replica name, an invocation id. */
  id: string;
  /** An image reference; resolved through the core's image store. */
  image: string;
  /** ACA's `command` (replaces the image's Entrypoint); absent keeps the image's. */
  command?: string[];
  /** ACA's `args` (replaces the image's Cmd); absent keeps the image's. */
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
export interface Persistence {
  load<T>(name: string): T | undefined;
  /** Schedules a write of `snapshot()`; writes are coalesced and flushed at stop. */
  changed(name: string, snapshot: () => unknown): void;
}

export interface SimContext {
  options: SimOptions;
  logger: Logger;
  runner: WorkloadRunner;
  persist: Persistence;
}
