import type { ServerResponse } from 'node:http';

/**
 * Google's canonical error codes (google.rpc.Code): the number a `google.rpc.Status` carries inside an operation,
 * and the HTTP status the REST surface answers with (https://cloud.google.com/apis/design/errors).
 */
const CANONICAL = {
  CANCELLED: { rpc: 1, http: 499 },
  UNKNOWN: { rpc: 2, http: 500 },
  INVALID_ARGUMENT: { rpc: 3, http: 400 },
  DEADLINE_EXCEEDED: { rpc: 4, http: 504 },
  NOT_FOUND: { rpc: 5, http: 404 },
  ALREADY_EXISTS: { rpc: 6, http: 409 },
  PERMISSION_DENIED: { rpc: 7, http: 403 },
  RESOURCE_EXHAUSTED: { rpc: 8, http: 429 },
  FAILED_PRECONDITION: { rpc: 9, http: 400 },
  ABORTED: { rpc: 10, http: 409 },
  UNIMPLEMENTED: { rpc: 12, http: 501 },
  INTERNAL: { rpc: 13, http: 500 },
  UNAVAILABLE: { rpc: 14, http: 503 },
} as const;

export type CanonicalCode = keyof typeof CANONICAL;

/** Every code the simulator answers with, for option schemas (a fault rule's `error`). */
export const CANONICAL_CODES = Object.keys(CANONICAL) as [CanonicalCode, ...CanonicalCode[]];

/** A Google API error: `status` is the canonical code name, as in `{"error": {"code", "message", "status"}}`. */
export class GcpError extends Error {
  constructor(readonly status: CanonicalCode, message: string) {
    super(message);
  }

  get httpStatus(): number { return CANONICAL[this.status].http; }
  get rpcCode(): number { return CANONICAL[this.status].rpc; }

  /** The `google.rpc.Status` a finished operation's `error` holds. */
  toRpcStatus(): RpcStatus {
    return { code: this.rpcCode, message: this.message };
  }
}

export interface RpcStatus {
  code: number;
  message: string;
}

export const notFound = (what: string): GcpError => new GcpError('NOT_FOUND', `Resource '${what}' was not found`);
export const invalid = (message: string): GcpError => new GcpError('INVALID_ARGUMENT', message);

export function sendGcpError(res: ServerResponse, err: GcpError): void {
  const body = JSON.stringify({ error: { code: err.httpStatus, message: err.message, status: err.status } });
  res.writeHead(err.httpStatus, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
