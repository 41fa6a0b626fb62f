import { mapAwsError as mapWithProfile, type AwsErrorProfile } from '@sockerless/cloud-aws';
import type { SockerlessError } from '@sockerless/sdk';

export { awsErrorName } from '@sockerless/cloud-aws';

/** A missing cluster or log group is the operator's configuration, not the user's request: 503. */
const CONFIGURATION_MISSING = ['ClusterNotFoundException', 'ResourceNotFoundException', 'ServiceNotFoundException'];
const PROFILES: Record<'ecs' | 'logs', AwsErrorProfile> = {
  ecs: { service: 'ecs', configuration: { names: CONFIGURATION_MISSING, hint: "check the backend's cluster option" } },
  logs: { service: 'logs', configuration: { names: CONFIGURATION_MISSING, hint: "check the backend's logGroup option" } },
};

/** An ECS or CloudWatch Logs error as the SDK's typed error (`ecs: InvalidParameterException: ...`). */
export function mapAwsError(service: 'ecs' | 'logs', err: unknown): SockerlessError {
  return mapWithProfile(err, PROFILES[service]);
}
