import {
  IDENTITY_TAG, identityTags as sdkIdentityTags, identityFromTags as sdkIdentityFromTags, type WorkloadIdentity, type WorkloadSpec,
} from '@sockerless/sdk';
import { LAMBDA_LIMITS } from './options';

/**
 * The container's identity as tags on its function (the SDK's cloud-neutral keys, as the ECS backend), so a
 * daemon with no record of it can rebuild one from the cloud alone. Env is never in tags.
 */
export const TAG = {
  ...IDENTITY_TAG,
  // Written when an invocation ends: Lambda keeps no queryable record of an invocation's result.
  exitCode: 'sockerless-exit-code',
  startedAt: 'sockerless-started-at',
  finishedAt: 'sockerless-finished-at',
} as const;

/** Tags this backend sets besides the label chunks, so the chunks get what is left of Lambda's 50. */
const FIXED_TAGS = 10;

export function identityTags(spec: WorkloadSpec, instanceName: string, createdAt: Date): Record<string, string> {
  return sdkIdentityTags(spec, instanceName, createdAt.toISOString(), {
    cloud: 'Lambda', maxTags: LAMBDA_LIMITS.maxTags, maxValueLength: LAMBDA_LIMITS.maxTagValueLength, reservedTags: FIXED_TAGS,
  });
}

/** The identity a function's tags carry; undefined when the function is not a container of this backend. */
export function identityFromTags(tags: Record<string, string>, argv: string[] | undefined): WorkloadIdentity | undefined {
  const identity = tags[TAG.name] ? sdkIdentityFromTags(tags) : undefined;
  if (!identity) return undefined;
  if (argv) identity.argv = argv;
  const exitCode = Number(tags[TAG.exitCode]);
  if (tags[TAG.exitCode] !== undefined && Number.isInteger(exitCode)) identity.exitCode = exitCode;
  if (tags[TAG.startedAt]) identity.startedAt = tags[TAG.startedAt];
  if (tags[TAG.finishedAt]) identity.finishedAt = tags[TAG.finishedAt];
  return identity;
}
