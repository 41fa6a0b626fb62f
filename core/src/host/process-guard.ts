import type { Logger, Metrics } from '@sockerless/sdk';

export const UNCAUGHT_ERRORS_METRIC = 'sockerless_uncaught_errors_total';

export interface UncaughtCounters { exception: { inc(): void }; rejection: { inc(): void } }

/** Registered by every daemon, so /metrics shows the 0 that a scraper (and the tests) can alert on. */
export function uncaughtCounters(metrics: Metrics): UncaughtCounters {
  const help = 'Errors that escaped every handler and reached the process (each one a bug).';
  return {
    exception: metrics.counter(UNCAUGHT_ERRORS_METRIC, help, { kind: 'exception' }),
    rejection: metrics.counter(UNCAUGHT_ERRORS_METRIC, help, { kind: 'rejection' }),
  };
}

/**
 * The last line of defence: an error that escaped every guard is logged and counted (tests require 0) and the daemon
 * serves on, as Backstage's handlers and dockerd's per-connection panic recovery. Returns the uninstaller.
 */
export function installProcessGuard(logger: Logger, counters: UncaughtCounters): () => void {
  const onException = (err: Error) => {
    counters.exception.inc();
    logger.error('uncaught exception; the daemon serves on', { err: err?.message ?? String(err), stack: err?.stack });
  };
  const onRejection = (reason: unknown) => {
    counters.rejection.inc();
    const e = reason as { message?: string; stack?: string } | undefined;
    logger.error('unhandled promise rejection; the daemon serves on', { err: e?.message ?? String(reason), stack: e?.stack });
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
