import {
  ConflictError, InvalidArgumentError, isSockerlessError, NotFoundError, TooManyRequestsError, UnavailableError,
  type SockerlessError,
} from '@sockerless/sdk';

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error name, or undefined for something that is not an AWS service error. */
export function awsErrorName(err: unknown): string | undefined {
  const e = err as AwsLikeError | null;
  return typeof e === 'object' && e !== null && e.$metadata !== undefined && typeof e.name === 'string' ? e.name : undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/**
 * An AWS SDK error as the SDK's typed error, its message naming the AWS error (`lambda: <Name>: <message>`),
 * so the Docker client sees what the cloud said with the status that fits it.
 */
export function mapAwsError(err: unknown, service = 'lambda'): SockerlessError | Error {
  if (isSockerlessError(err)) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = awsErrorName(err);
  if (!name) {
    if (e.code && NETWORK_CODES.has(e.code)) return new UnavailableError(`${service}: the API is unreachable: ${e.message ?? e.code}`);
    return err instanceof Error ? err : new Error(String(err));
  }
  const message = `${service}: ${name}: ${e.message ?? ''}`.trimEnd();
  switch (name) {
    case 'ResourceNotFoundException':
      return new NotFoundError(message);
    case 'InvalidParameterValueException':
    case 'InvalidRequestContentException':
    case 'RequestTooLargeException':
    case 'ValidationException':
      return new InvalidArgumentError(message);
    case 'TooManyRequestsException':
    case 'ThrottlingException':
      return new TooManyRequestsError(message);
    case 'ResourceConflictException':
    case 'ResourceInUseException':
      return new ConflictError(message);
    default: {
      const status = e.$metadata?.httpStatusCode ?? 500;
      // The caller's fault is a bad argument; anything else is the cloud failing us.
      return status >= 400 && status < 500 ? new InvalidArgumentError(message) : new UnavailableError(message);
    }
  }
}

/** Runs an AWS call and rethrows its failure mapped. */
export async function aws<T>(call: () => Promise<T>, service = 'lambda'): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapAwsError(err, service);
  }
}
