/**
 * Typed errors that cross the plugin boundary. The core maps `code` to Docker's HTTP status and a
 * `{"message": ...}` body, so a plugin never formats a Docker response. Identity is by `code`, never by
 * `instanceof`, because a second copy of the SDK gives a second, unrelated class.
 */
export type SockerlessErrorCode =
  | 'InvalidArgument'
  | 'NotFound'
  | 'Conflict'
  | 'NotModified'
  | 'NotImplemented'
  | 'Unavailable'
  | 'TooManyRequests'
  | 'Forbidden'
  | 'Unauthorized';

export const statusOfErrorCode: Record<SockerlessErrorCode, number> = {
  InvalidArgument: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  NotModified: 304,
  NotImplemented: 501,
  Unavailable: 503,
  TooManyRequests: 429,
};

export class SockerlessError extends Error {
  readonly isSockerlessError = true;
  constructor(
    readonly code: SockerlessErrorCode,
    message: string,
    readonly details: { retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = `${code}Error`;
  }
}

export class InvalidArgumentError extends SockerlessError {
  constructor(message: string) { super('InvalidArgument', message); }
}
export class NotFoundError extends SockerlessError {
  constructor(message: string) { super('NotFound', message); }
}
export class ConflictError extends SockerlessError {
  constructor(message: string) { super('Conflict', message); }
}
export class NotModifiedError extends SockerlessError {
  constructor(message = 'not modified') { super('NotModified', message); }
}
export class NotImplementedError extends SockerlessError {
  constructor(message: string) { super('NotImplemented', message); }
}
export class UnavailableError extends SockerlessError {
  constructor(message: string) { super('Unavailable', message); }
}
export class ForbiddenError extends SockerlessError {
  constructor(message: string) { super('Forbidden', message); }
}
export class UnauthorizedError extends SockerlessError {
  constructor(message: string) { super('Unauthorized', message); }
}
export class TooManyRequestsError extends SockerlessError {
  constructor(message: string, retryAfterSeconds = 1) { super('TooManyRequests', message, { retryAfterSeconds }); }
}

/** Duck-typed check that survives duplicate SDK copies. */
export function isSockerlessError(err: unknown): err is SockerlessError {
  return typeof err === 'object' && err !== null && (err as { isSockerlessError?: unknown }).isSockerlessError === true
    && typeof (err as { code?: unknown }).code === 'string';
}
