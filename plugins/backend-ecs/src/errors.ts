import {
  InvalidArgumentError, isSockerlessError, NotFoundError, SockerlessError, TooManyRequestsError, UnavailableError,
} from '@sockerless/sdk';

/** What the AWS SDK throws: a service exception (name = the AWS error code) or a network/SDK error. */
interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const INVALID_ARGUMENT = new Set([
  'InvalidParameterException', 'ClientException', 'ValidationException', 'InvalidParameterValueException',
  'InvalidParameterCombinationException', 'SerializationException', 'UnsupportedFeatureException',
]);
/** A missing cluster or log group is the operator's configuration, not the user's request: 503. */
const SERVER_SIDE_MISSING = new Set(['ClusterNotFoundException', 'ResourceNotFoundException', 'ServiceNotFoundException']);
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException', 'Throttling']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'TimeoutError', 'EHOSTUNREACH']);
const NETWORK_MESSAGE = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|socket hang up)\b/;
const AUTH = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'CredentialsProviderError', 'ExpiredTokenException', 'InvalidSignatureException']);

/** The AWS error code of an SDK error (`err.name`), or undefined for something that is not one. */
export function awsErrorName(err: unknown): string | undefined {
  const e = err as AwsLikeError;
  return typeof e?.name === 'string' ? e.name : undefined;
}

/**
 * Turns an AWS SDK error into the SDK's typed error, with a message naming the service and AWS's code
 * (`ecs: InvalidParameterException: ...`), so the user sees what AWS said and the core picks the status.
 */
export function mapAwsError(service: 'ecs' | 'logs', err: unknown): SockerlessError {
  if (isSockerlessError(err)) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = e.name ?? 'Error';
  const detail = `${service}: ${name}: ${e.message ?? String(err)}`;
  if (INVALID_ARGUMENT.has(name)) return new InvalidArgumentError(detail);
  if (THROTTLED.has(name)) return new TooManyRequestsError(detail, 1);
  if (SERVER_SIDE_MISSING.has(name)) return new UnavailableError(`${detail} (check the backend's ${service === 'ecs' ? 'cluster' : 'logGroup'} option)`);
  if (AUTH.has(name)) return new UnavailableError(`${detail} (the daemon's AWS credentials were refused)`);
  // No HTTP status means no answer: the connection failed (the SDK may wrap the socket error in its own).
  const status = e.$metadata?.httpStatusCode;
  if (NETWORK.has(name) || (e.code && NETWORK.has(e.code)) || status === undefined || NETWORK_MESSAGE.test(e.message ?? '')) {
    return new UnavailableError(`${service}: AWS is unreachable: ${e.message ?? String(err)}`);
  }
  if (status === 404) return new NotFoundError(detail);
  if (status === 429) return new TooManyRequestsError(detail, 1);
  if (e.$fault === 'client' && status < 500) return new InvalidArgumentError(detail);
  return new UnavailableError(detail);
}
