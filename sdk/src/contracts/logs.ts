/**
 * Docker's log driver: where a container's output is kept and how `docker logs` reads it back. The core
 * owns the `/containers/{id}/logs` and attach routes and their framing (8-byte headers, TTY, timestamps);
 * a driver keeps the lines and answers what to send. `logs-local` (dockerd's json-file) is the default.
 */

export type LogStreamName = 'stdout' | 'stderr';

/** One line of output (or a partial line flushed at exit), with the time it was read. */
export interface LogEntry {
  stream: LogStreamName;
  /** Nanoseconds since the epoch. */
  timeNano: number;
  data: Buffer;
}

/** `GET /containers/{id}/logs`'s choices, parsed from the query by the core's route. */
export interface LogReadOptions {
  stdout: boolean;
  stderr: boolean;
  /** Nanoseconds since the epoch; entries before `since` or after `until` are left out. */
  since?: number;
  until?: number;
  /** The last `tail` entries of what is kept; Infinity for all. */
  tail: number;
  /** Keep sending the run's new entries until it ends; the core asks only while the container runs. */
  follow: boolean;
}

/** Where a read sends its entries; the core frames them for its client. */
export interface LogReadSink {
  entry(e: LogEntry): void;
  /** Nothing more comes: the kept entries were sent and, when following, the run ended. */
  end(): void;
}

/** The log of one container, across its runs. */
export interface ContainerLog {
  /** Output as the process wrote it; the driver splits it into entries. */
  write(stream: LogStreamName, chunk: Buffer): void;
  /** The process's streams ended: a partial last line is an entry now. */
  flush(): void;
  /** The run is over: a following read ends. */
  endRun(): void;
  /** Everything kept, in order (attach's `logs=1`). */
  readAll(): Promise<LogEntry[]>;
  /**
   * What `docker logs` sends: the kept entries that match, then, when following, the new ones until the
   * run ends or the returned function is called (the client went away). `sink.end()` is called once.
   */
  read(options: LogReadOptions, sink: LogReadSink): Promise<() => void>;
  /** The time of the last entry kept, or undefined; recovery asks a cloud backend for the output after it. */
  lastEntryTime(): Promise<Date | undefined>;
  close(): void;
  /** The container is removed: its log goes with it (and whatever the driver keeps beside it for the container). */
  destroy(): void;
}

/** `HostConfig.LogConfig` as inspect shows it. */
export interface LogConfigView {
  Type: string;
  Config: Record<string, string>;
}

export interface LogDriver {
  /** Refuses, as dockerd's create does, a `HostConfig.LogConfig` this daemon has no driver for. */
  validateConfig(logConfig: unknown): void;
  /** `HostConfig.LogConfig` as inspect shows it (the default driver when none was asked for). */
  configView(logConfig: unknown): LogConfigView;
  /** Throws dockerd's 501 for a container whose configured driver keeps nothing to read (`none`). */
  assertReadable(logConfig: unknown): void;
  /** inspect's `LogPath`. */
  logPath(containerId: string): string;
  open(containerId: string): ContainerLog;
  /**
   * At boot, once every backend has listed its workloads: removes the logs of containers with no record (a
   * removal deletes the record first, so a crash between the two leaves the log) and answers their ids.
   */
  removeUnrecorded?(isRecorded: (containerId: string) => boolean): Promise<string[]>;
}

/** Cardinality one: the plugin that keeps container logs. */
export interface LogDriverRegistry {
  setLogDriver(driver: LogDriver): void;
}
