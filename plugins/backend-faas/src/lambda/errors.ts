import { awsCall, mapAwsError as mapWithProfile } from '@sockerless/cloud-aws';
import type { SockerlessError } from '@sockerless/sdk';

export { awsErrorName } from '@sockerless/cloud-aws';

/** A Lambda (or CloudWatch Logs) error as the SDK's typed error (`lambda: ResourceNotFoundException: ...`). */
export function mapAwsError(err: unknown, service = 'lambda'): SockerlessError {
  return mapWithProfile(err, { service });
}

/** Runs an AWS call and rethrows its failure mapped. */
export function aws<T>(call: () => Promise<T>, service = 'lambda'): Promise<T> {
  return awsCall(call, { service });
}
