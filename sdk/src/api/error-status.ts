import { realpathSync } from 'node:fs';
import { isSockerlessError, statusOfErrorCode } from '../errors';

/** Errors only a client's input causes (a name or path too long for the kernel): 400s, where dockerd says 500 to some. */
const CLIENT_ERRNOS = new Set(['ENAMETOOLONG']);

/** Node refuses a path with a NUL byte before any syscall (Go's syscall: EINVAL); only a client's input carries one. */
const isNulBytePath = (e: { code?: unknown; message?: string }) => e.code === 'ERR_INVALID_ARG_VALUE' && /without null bytes/.test(e.message ?? '');

/** Every error answer's Docker status and message, the one place that hides host paths: the home reads `$SOCKERLESS_HOME`. */
export function errorStatus(err: unknown, home?: string): { status: number; message: string; retryAfter?: number } {
  const answer = rawErrorStatus(err);
  return { ...answer, message: withoutHostPaths(answer.message, home) };
}

function rawErrorStatus(err: unknown): { status: number; message: string; retryAfter?: number } {
  if (isSockerlessError(err)) return { status: statusOfErrorCode[err.code], message: err.message, retryAfter: err.details.retryAfterSeconds };
  const e = err as { status?: number; message?: string; code?: unknown };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 600) return { status: e.status, message: e.message ?? 'error' };
  if (typeof e?.code === 'string' && CLIENT_ERRNOS.has(e.code)) return { status: 400, message: e.message ?? e.code };
  // decodeURIComponent of a path the client percent-encoded badly (`%E0%A4%A`): dockerd answers 400 too.
  if (err instanceof URIError) return { status: 400, message: `invalid URL escape: ${e.message}` };
  if (e && isNulBytePath(e)) return { status: 400, message: 'invalid argument: a name or path contains a NUL byte' };
  return { status: 500, message: e?.message ?? String(err) };
}

/** `message` with every occurrence of the daemon's home directory replaced by `$SOCKERLESS_HOME`. */
export function withoutHostPaths(message: string, home: string | undefined): string {
  if (!home) return message;
  let out = message;
  for (const path of new Set([home, resolvedPath(home)])) {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed) out = out.split(trimmed).join('$SOCKERLESS_HOME');
  }
  return out;
}

function resolvedPath(path: string): string {
  try { return realpathSync(path); } catch { return path; }
}
