import { IDENTITY_TAG, identityTags as sdkIdentityTags, type WorkloadSpec } from '@sockerless/sdk';
import type { Tag } from './aws';

/**
 * The container's identity in AWS tags (the SDK's cloud-neutral keys), so a daemon with no record of it can
 * rebuild one from ECS alone (crash-only: the cloud is the source of truth). Env and secrets are never put in tags.
 */
export const TAG = {
  ...IDENTITY_TAG,
  /** On a task only: which start of the container it is. */
  start: 'sockerless-start',
} as const;

/** AWS limits: 256 characters per tag value, 50 tags per resource. */
export const TAG_VALUE_MAX = 256;
export const TAGS_PER_RESOURCE_MAX = 50;
/** Tags taken besides the label chunks: the identity keys plus `sockerless-start` on a task. */
const FIXED_TAGS = 8;

/** The tags that name a container, for its task definition and (with `sockerless-start`) its tasks. */
export function identityTags(spec: WorkloadSpec, instance: string, createdAt: string): Tag[] {
  const tags = sdkIdentityTags(spec, instance, createdAt, {
    cloud: 'ECS', maxTags: TAGS_PER_RESOURCE_MAX, maxValueLength: TAG_VALUE_MAX, reservedTags: FIXED_TAGS, sanitize: tagSafe,
  });
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function tagMap(tags: Tag[] | undefined): Map<string, string> {
  return new Map((tags ?? []).filter((t) => t.key).map((t) => [t.key!, t.value ?? '']));
}

/** True when the tags say this instance of the daemon made the resource. */
export function ownedBy(tags: Map<string, string>, instance: string): boolean {
  return tags.get(TAG.managed) === 'true' && tags.get(TAG.instance) === tagSafe(instance) && !!tags.get(TAG.containerId);
}

/**
 * AWS tag values allow letters, digits, spaces and `_ . : / = + - @`, up to 256 characters. Docker names,
 * image references and instance names fit; anything else is replaced rather than refused at create.
 */
function tagSafe(value: string): string {
  return value.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, '_').slice(0, TAG_VALUE_MAX);
}
