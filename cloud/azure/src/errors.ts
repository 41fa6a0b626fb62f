import {
  ConflictError, ForbiddenError, InvalidArgumentError, isSockerlessError, NotFoundError, NotImplementedError,
  TooManyRequestsError, UnavailableError, type SockerlessError,
} from '@sockerless/sdk';

/** What the Azure clients throw: a RestError (core-rest-pipeline) with the HTTP status and ARM's error code. */
interface AzureLikeError {
  message?: string;
  name?: string;
  code?: unknown;
  statusCode?: unknown;
  response?: { status?: number; bodyAsText?: string | null; headers?: { get(name: string): string | undefined } };
}

export interface AzureErrorInfo {
  /** The HTTP status Azure answered. */
  status: number;
  /** ARM's `error.code` (`ResourceNotFound`), or the status' name when the body had none. */
  code: string;
  message: string;
  /** Seconds to wait, from `Retry-After` (429 and some 503s). */
  retryAfterSeconds?: number;
}

/** Codes ARM and Node answer when the certificate is not one the client trusts. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
]);

/** The status names ARM uses when a body carries no code of its own. */
const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest', 401: 'AuthenticationFailed', 403: 'AuthorizationFailed', 404: 'NotFound', 409: 'Conflict',
  429: 'TooManyRequests', 500: 'InternalServerError', 501: 'NotImplemented', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout',
};

/** The status, ARM code and message of an error an Azure client threw, or undefined when Azure did not answer. */
export function azureErrorInfo(err: unknown): AzureErrorInfo | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as AzureLikeError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : e.response?.status;
  if (typeof status !== 'number' || status === 0) return undefined;
  const body = armBodyError(e.response?.bodyAsText);
  const code = body?.code ?? (typeof e.code === 'string' && !/^(REQUEST_SEND_ERROR|PARSE_ERROR)$/.test(e.code) ? e.code : STATUS_CODES[status] ?? `Http${status}`);
  const retryAfter = Number(e.response?.headers?.get('retry-after'));
  return { status, code, message: body?.message ?? e.message ?? '', ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}) };
}

/**
 * An Azure client error as the SDK's typed error, with a message naming the service and ARM's code
 * (`containerapps: ResourceNotFound: The Resource ... was not found`), so the user sees what Azure said and the
 * core picks Docker's status. An LRO that failed (its operation status `Failed`, which the SDK throws with the
 * operation's error code and no HTTP status) is a 400: ARM reports a template it could not provision that way.
 * Something Azure did not answer (refused, a certificate not trusted, not TLS at all) is 503 with the reason.
 */
export function mapAzureError(err: unknown, service: string): SockerlessError {
  if (isSockerlessError(err)) return err;
  const info = azureErrorInfo(err);
  if (!info) return unreachable(err, service);
  const detail = `${service}: ${info.code}: ${info.message}`.trimEnd();
  switch (info.status) {
    case 400: case 422: return new InvalidArgumentError(detail);
    case 401: return new UnavailableError(`${detail} (the daemon's Azure credentials were refused)`);
    case 403: return new ForbiddenError(detail);
    case 404: return new NotFoundError(detail);
    case 409: case 412: return new ConflictError(detail);
    case 429: return new TooManyRequestsError(detail, info.retryAfterSeconds ?? 1);
    case 501: return new NotImplementedError(detail);
    default: return new UnavailableError(detail);
  }
}

function unreachable(err: unknown, service: string): SockerlessError {
  const e = (err ?? {}) as AzureLikeError & { cause?: { code?: unknown } };
  const message = e.message ?? String(err);
  const code = String(e.code ?? e.cause?.code ?? '');
  if (UNTRUSTED_CERTIFICATE.has(code) || /self[- ]signed certificate|unable to verify the first certificate|certificate/i.test(message)) {
    return new UnavailableError(`${service}: Azure's TLS certificate is not trusted (${message}): for a simulator, give its CA file as the backend's caFile option (sockerless prints it at the simulator's start)`);
  }
  if (/wrong version number|EPROTO|packet length too long/i.test(`${code} ${message}`)) {
    return new UnavailableError(`${service}: the endpoint does not speak TLS (${message}): Azure's clients send their bearer token over https only, so the endpoint must serve HTTPS`);
  }
  if (/Bearer token authentication is not permitted for non-TLS/i.test(message)) {
    return new UnavailableError(`${service}: ${message}: the Azure clients refuse plain http; use the simulator's https:// endpoint and trust its CA`);
  }
  if (e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationError' || e.name === 'AggregateAuthenticationError') {
    return new UnavailableError(`${service}: no Azure token: ${message}`);
  }
  // core-lro throws a failed operation as "The long-running operation has failed. <code>. <message>".
  const lro = /^The long-running operation has failed\.\s*(?:(\w+)\.\s*)?([\s\S]*)$/.exec(message);
  if (lro) return new InvalidArgumentError(`${service}: ${lro[1] ?? (code || 'OperationFailed')}: ${lro[2] || message}`);
  return new UnavailableError(`${service}: Azure is unreachable: ${message}`);
}

export interface RetryPolicy {
  /** Attempts in all (1: no retry). */
  attempts: number;
  /** The first backoff (ms) when Azure names no Retry-After, doubled each time; default 200. */
  baseDelayMs?: number;
  /** The longest wait honoured (ms); a longer Retry-After ends the retries; default 30 s. */
  maxDelayMs?: number;
}

/**
 * Runs one Azure call, retrying 429 (after its Retry-After, as ARM asks: https://learn.microsoft.com/azure/
 * azure-resource-manager/management/request-limits-and-throttling) and 5xx (exponential backoff, as the SDK's
 * own retry policy would; the clients are made with theirs off, so one place decides), then throws the last
 * failure mapped: a throttle that outlasts the retries is Docker's 503, which a client may retry, with the count.
 */
export async function azureCall<T>(call: () => Promise<T>, service: string, retry: RetryPolicy = { attempts: 1 }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const info = azureErrorInfo(err);
      const retryable = !!info && (info.status === 429 || (info.status >= 500 && info.status !== 501));
      if (!retryable) throw mapAzureError(err, service);
      const backoff = (retry.baseDelayMs ?? 200) * 2 ** (attempt - 1);
      const delay = info.retryAfterSeconds !== undefined ? info.retryAfterSeconds * 1000 : backoff;
      if (attempt < retry.attempts && delay <= (retry.maxDelayMs ?? 30_000)) {
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      throw new UnavailableError(`${service}: ${info.code}: ${info.message} (after ${attempt} attempt${attempt > 1 ? 's' : ''})`);
    }
  }
}

function armBodyError(text: string | null | undefined): { code?: string; message?: string } | undefined {
  if (!text || !text.trimStart().startsWith('{')) return undefined;
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error !== 'object' || error === null) return undefined;
    return { code: typeof error.code === 'string' ? error.code : undefined, message: typeof error.message === 'string' ? error.message : undefined };
  } catch {
    return undefined;
  }
}
