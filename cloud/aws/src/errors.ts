import {
  ConflictError, InvalidArgumentError, isSockerlessError, NotFoundError, TooManyRequestsError, UnavailableError,
  type SockerlessError,
} from '@sockerless/sdk';

/** What the AWS SDK v3 throws: a service exception (name = AWS's error code, with `$metadata`) or a network/SDK error. */
interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** How one service's errors read: the prefix of its messages, and which "not found"s are the operator's. */
export interface AwsErrorProfile {
  /** `ecs`, `logs`, `lambda`: the start of every message, so the user sees which service said it. */
  service: string;
  /**
   * AWS errors that name something the backend's configuration points at (ECS's cluster, a log group): the
   * operator's mistake, not the user's request, so 503 with this hint instead of 404.
   */
  configuration?: { names: readonly string[]; hint: string };
}

const INVALID_ARGUMENT = new Set([
  'InvalidParameterException', 'ClientException', 'ValidationException', 'InvalidParameterValueException',
  'InvalidParameterCombinationException', 'SerializationException', 'UnsupportedFeatureException',
  'InvalidRequestContentException', 'RequestTooLargeException',
]);
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException', 'Throttling']);
const CONFLICT = new Set(['ResourceConflictException', 'ResourceInUseException']);
const AUTH = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'CredentialsProviderError', 'ExpiredTokenException', 'InvalidSignatureException']);

/** The AWS error code of a service error (`err.name`), or undefined for something AWS did not answer. */
export function awsErrorName(err: unknown): string | undefined {
  const e = err as AwsLikeError | null;
  return typeof e === 'object' && e !== null && e.$metadata !== undefined && typeof e.name === 'string' ? e.name : undefined;
}

/**
 * Turns an AWS SDK error into the SDK's typed error, with a message naming the service and AWS's code
 * (`ecs: InvalidParameterException: ...`), so the user sees what AWS said and the core picks Docker's status.
 * Something AWS did not answer (a refused connection, a timeout, an SDK failure before a response) is 503.
 */
export function mapAwsError(err: unknown, profile: AwsErrorProfile): SockerlessError {
  if (isSockerlessError(err)) return err;
  const e = (err ?? {}) as AwsLikeError;
  const { service } = profile;
  const name = awsErrorName(err);
  const status = e.$metadata?.httpStatusCode;
  if (!name || status === undefined) return new UnavailableError(`${service}: AWS is unreachable: ${e.message ?? String(err)}`);
  const detail = `${service}: ${name}: ${e.message ?? ''}`.trimEnd();
  if (profile.configuration?.names.includes(name)) return new UnavailableError(`${detail} (${profile.configuration.hint})`);
  if (INVALID_ARGUMENT.has(name)) return new InvalidArgumentError(detail);
  if (THROTTLED.has(name) || status === 429) return new TooManyRequestsError(detail, 1);
  if (CONFLICT.has(name)) return new ConflictError(detail);
  if (AUTH.has(name)) return new UnavailableError(`${detail} (the daemon's AWS credentials were refused)`);
  if (name === 'ResourceNotFoundException' || status === 404) return new NotFoundError(detail);
  // The caller's fault is a bad argument; anything else is the cloud failing us.
  return status >= 400 && status < 500 ? new InvalidArgumentError(detail) : new UnavailableError(detail);
}

/** Runs one AWS call and rethrows its failure mapped. */
export async function awsCall<T>(call: () => Promise<T>, profile: AwsErrorProfile): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapAwsError(err, profile);
  }
}
