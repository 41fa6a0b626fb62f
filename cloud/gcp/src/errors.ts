import {
  ConflictError, ForbiddenError, InvalidArgumentError, isSockerlessError, NotFoundError, NotImplementedError,
  TooManyRequestsError, UnavailableError, type SockerlessError,
} from '@sockerless/sdk';

/**
 * google.rpc.Code by number (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto):
 * what a GoogleError from gRPC or from a finished long-running operation carries in `code`.
 */
const RPC_CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 15: 'DATA_LOSS', 16: 'UNAUTHENTICATED',
};

/** The canonical code Google's REST front end answers for an HTTP status without a body we can read. */
const HTTP_STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

/** Codes worth another attempt: Google's own client retry settings retry these two (with backoff). */
const RETRYABLE = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE']);

/** What the Google clients throw: a GaxiosError (REST: `status`/`code` is the HTTP status), a GoogleError (`code` is google.rpc.Code). */
interface GoogleLikeError {
  message?: string;
  code?: unknown;
  status?: unknown;
  response?: { status?: number; data?: unknown };
  details?: string;
}

export interface GoogleErrorInfo {
  /** google.rpc.Code name, e.g. `NOT_FOUND`. */
  status: string;
  /** Google's message (the `error.message` of the JSON body when there is one). */
  message: string;
}

/** The Google status and message of an error a Google client threw, or undefined when Google did not answer. */
export function googleErrorInfo(err: unknown): GoogleErrorInfo | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as GoogleLikeError;
  const body = bodyError(e.response?.data) ?? bodyError(parseJson(e.message));
  if (body?.status) return { status: body.status, message: body.message ?? e.message ?? '' };
  const http = typeof e.response?.status === 'number' ? e.response.status : typeof e.status === 'number' ? e.status : undefined;
  if (http !== undefined) return { status: HTTP_STATUS_NAMES[http] ?? (http >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT'), message: body?.message ?? e.message ?? '' };
  // A GoogleError: from gRPC, or from the error of a finished long-running operation.
  if (typeof e.code === 'number' && RPC_CODE_NAMES[e.code]) return { status: RPC_CODE_NAMES[e.code], message: e.details ?? e.message ?? '' };
  return undefined;
}

/** The google.rpc.Code name of a Google error (`NOT_FOUND`), or undefined when Google did not answer. */
export function googleStatus(err: unknown): string | undefined {
  return googleErrorInfo(err)?.status;
}

/**
 * A Google client error as the SDK's typed error, with a message naming the service and Google's code
 * (`run: NOT_FOUND: Job ... not found`), so the user sees what Google said and the core picks Docker's status.
 * Something Google did not answer (a refused connection, a timeout) is 503.
 */
export function mapGoogleError(err: unknown, service: string): SockerlessError {
  if (isSockerlessError(err)) return err;
  const info = googleErrorInfo(err);
  if (!info) return new UnavailableError(`${service}: Google Cloud is unreachable: ${(err as Error)?.message ?? String(err)}`);
  const detail = `${service}: ${info.status}: ${info.message}`.trimEnd();
  switch (info.status) {
    case 'NOT_FOUND': return new NotFoundError(detail);
    case 'ALREADY_EXISTS': case 'ABORTED': return new ConflictError(detail);
    case 'INVALID_ARGUMENT': case 'FAILED_PRECONDITION': case 'OUT_OF_RANGE': return new InvalidArgumentError(detail);
    case 'PERMISSION_DENIED': return new ForbiddenError(detail);
    case 'UNAUTHENTICATED': return new UnavailableError(`${detail} (the daemon's Google credentials were refused)`);
    case 'RESOURCE_EXHAUSTED': return new TooManyRequestsError(detail, 1);
    case 'UNIMPLEMENTED': return new NotImplementedError(detail);
    default: return new UnavailableError(detail);
  }
}

export interface RetryPolicy {
  /** Attempts in all (1: no retry). */
  attempts: number;
  /** The first backoff (ms), doubled each time; default 100. */
  baseDelayMs?: number;
}

/**
 * Runs one Google call, retrying RESOURCE_EXHAUSTED and UNAVAILABLE with exponential backoff (as Google's
 * client retry settings do), and rethrows the last failure mapped: a quota still exhausted after the
 * retries is Docker's 503, not a 429 the Docker CLI would not retry.
 */
export async function googleCall<T>(call: () => Promise<T>, service: string, retry: RetryPolicy = { attempts: 1 }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const status = googleStatus(err);
      if (status && RETRYABLE.has(status)) {
        if (attempt < retry.attempts) {
          await new Promise((r) => setTimeout(r, (retry.baseDelayMs ?? 100) * 2 ** (attempt - 1)));
          continue;
        }
        const info = googleErrorInfo(err)!;
        throw new UnavailableError(`${service}: ${info.status}: ${info.message} (after ${attempt} attempt${attempt > 1 ? 's' : ''})`);
      }
      throw mapGoogleError(err, service);
    }
  }
}

function parseJson(text: string | undefined): unknown {
  if (!text || !text.trimStart().startsWith('{')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function bodyError(data: unknown): { status?: string; message?: string } | undefined {
  const error = (data as { error?: { status?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  return {
    status: typeof error.status === 'string' ? error.status : undefined,
    message: typeof error.message === 'string' ? error.message : undefined,
  };
}
