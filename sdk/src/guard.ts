import type { Logger } from './services';

/** What a guarded callback logs beside its error: the request (method, path), the container or exec it serves. */
export type GuardContext = Record<string, unknown>;

/**
 * Wraps a callback handed to an event emitter, a stream, a child process or a timer so that whatever it
 * throws (or rejects with) is logged with `context` instead of reaching the process: Node turns an exception
 * in an 'close' or 'data' listener into `uncaughtException`, which ends the daemon and every container,
 * stream and client with it. dockerd recovers the same way: a panic in one connection's goroutine is caught
 * by net/http and logged, the daemon serves on. Use it where the callback is registered:
 * `socket.on('close', guarded(log, { exec: id }, () => ...))`.
 */
export function guarded<A extends unknown[]>(logger: Logger, context: GuardContext, fn: (...args: A) => unknown): (...args: A) => void {
  return (...args: A) => {
    try {
      const result = fn(...args);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (err: unknown) => logGuarded(logger, context, err));
      }
    } catch (err) {
      logGuarded(logger, context, err);
    }
  };
}

/** Runs a promise whose outcome nobody awaits (`void work()`), logging a rejection with `context`. */
export function detached(logger: Logger, context: GuardContext, work: Promise<unknown>): void {
  work.then(undefined, (err: unknown) => logGuarded(logger, context, err));
}

function logGuarded(logger: Logger, context: GuardContext, err: unknown): void {
  const e = err as { message?: string; stack?: string } | undefined;
  logger.error('a stream or event callback failed; the daemon serves on', { ...context, err: e?.message ?? String(err), stack: e?.stack });
}
