import { InvalidArgumentError, NotImplementedError, type LogConfigView } from '@sockerless/sdk';

/**
 * `HostConfig.LogConfig`. Every container's output is kept in our own log files whatever the driver, as
 * dockerd 20.10 keeps a local copy ("dual logging") for drivers it cannot read back; the driver name is kept
 * and reported. `none` is the one that changes an answer: dockerd keeps nothing and `logs` is a 501.
 */
const KNOWN_LOG_DRIVERS = new Set([
  'json-file', 'local', 'none', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries',
]);

export const DEFAULT_LOG_DRIVER = 'json-file';

/** dockerd's create refuses a driver it has no plugin for, with this wording (a 400). */
export function validateLogConfig(value: unknown): void {
  const logConfig = value as { Type?: unknown; Config?: unknown } | null | undefined;
  if (logConfig === undefined || logConfig === null) return;
  if (typeof logConfig !== 'object' || Array.isArray(logConfig)) throw new InvalidArgumentError('invalid HostConfig.LogConfig: expected an object');
  const type = logConfig.Type ?? '';
  if (typeof type !== 'string') throw new InvalidArgumentError('invalid HostConfig.LogConfig.Type: expected a string');
  if (type !== '' && !KNOWN_LOG_DRIVERS.has(type)) throw new InvalidArgumentError(`error looking up logging plugin ${type}: plugin "${type}" not found`);
  const config = logConfig.Config;
  if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config) || Object.values(config).some((v) => typeof v !== 'string'))) {
    throw new InvalidArgumentError('invalid HostConfig.LogConfig.Config: expected an object of strings');
  }
}

/** As inspect shows it: the daemon's default driver when none was asked for, and always a Config object. */
export function logConfigView(value: unknown): LogConfigView {
  const logConfig = (value ?? {}) as { Type?: string; Config?: Record<string, string> | null };
  return { Type: logConfig.Type || DEFAULT_LOG_DRIVER, Config: logConfig.Config ?? {} };
}

/** dockerd's logger.ErrReadLogsNotSupported, a 501, for a container whose driver keeps nothing to read. */
export function assertLogsReadable(logConfig: unknown): void {
  if (logConfigView(logConfig).Type === 'none') throw new NotImplementedError('configured logging driver does not support reading');
}
