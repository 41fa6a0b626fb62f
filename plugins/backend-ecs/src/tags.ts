import { InvalidArgumentError, type WorkloadIdentity, type WorkloadSpec } from '@sockerless/sdk';
import type { Tag } from './aws';

/**
 * The container's identity in AWS tags, so a daemon with no record of it can rebuild one from ECS alone
 * (crash-only: the cloud is the source of truth). Env and secrets are never put in tags.
 */
export const TAG = {
  managed: 'sockerless-managed',
  containerId: 'sockerless-container-id',
  name: 'sockerless-name',
  image: 'sockerless-image',
  createdAt: 'sockerless-created-at',
  instance: 'sockerless-instance',
  pool: 'sockerless-pool',
  start: 'sockerless-start',
  labelsPrefix: 'sockerless-labels-',
} as const;

/** AWS limits: 256 characters per tag value, 50 tags per resource. */
export const TAG_VALUE_MAX = 256;
export const TAGS_PER_RESOURCE_MAX = 50;
/** Tags taken besides the label chunks: the identity keys above plus `sockerless-start` on a task. */
const FIXED_TAGS = 8;

export const POOL_LABEL = 'com.sockerless.pool';

/** The tags that name a container, for its task definition and (with `sockerless-start`) its tasks. */
export function identityTags(spec: WorkloadSpec, instance: string, createdAt: string): Tag[] {
  const tags: Tag[] = [
    { key: TAG.managed, value: 'true' },
    { key: TAG.containerId, value: spec.id },
    { key: TAG.name, value: tagSafe(spec.name) },
    { key: TAG.image, value: tagSafe(spec.image.ref) },
    { key: TAG.createdAt, value: createdAt },
    { key: TAG.instance, value: tagSafe(instance) },
    { key: TAG.pool, value: tagSafe(spec.labels[POOL_LABEL] || 'default') },
  ];
  const chunks = labelChunks(spec.labels);
  if (chunks.length + FIXED_TAGS > TAGS_PER_RESOURCE_MAX) {
    throw new InvalidArgumentError(`the container's labels are too large for ECS: they take ${chunks.length} tags of ${TAG_VALUE_MAX} characters, and a task has at most ${TAGS_PER_RESOURCE_MAX} tags`);
  }
  chunks.forEach((value, i) => tags.push({ key: `${TAG.labelsPrefix}${i}`, value }));
  return tags;
}

/** Labels as base64url(JSON) in 256-character chunks; none when there are no labels. */
export function labelChunks(labels: Record<string, string>): string[] {
  if (Object.keys(labels).length === 0) return [];
  const encoded = Buffer.from(JSON.stringify(labels), 'utf8').toString('base64url');
  const out: string[] = [];
  for (let i = 0; i < encoded.length; i += TAG_VALUE_MAX) out.push(encoded.slice(i, i + TAG_VALUE_MAX));
  return out;
}

export function tagMap(tags: Tag[] | undefined): Map<string, string> {
  return new Map((tags ?? []).filter((t) => t.key).map((t) => [t.key!, t.value ?? '']));
}

/** True when the tags say this instance of the daemon made the resource. */
export function ownedBy(tags: Map<string, string>, instance: string): boolean {
  return tags.get(TAG.managed) === 'true' && tags.get(TAG.instance) === tagSafe(instance) && !!tags.get(TAG.containerId);
}

/** The identity the tags carry, or undefined when they are not a Sockerless container's. */
export function identityFromTags(tags: Map<string, string>): WorkloadIdentity | undefined {
  if (tags.get(TAG.managed) !== 'true' || !tags.get(TAG.containerId)) return undefined;
  return {
    name: tags.get(TAG.name) ?? '',
    image: tags.get(TAG.image) ?? '',
    created: tags.get(TAG.createdAt) ?? new Date(0).toISOString(),
    labels: labelsFromTags(tags),
    pool: tags.get(TAG.pool) || undefined,
  };
}

function labelsFromTags(tags: Map<string, string>): Record<string, string> {
  let encoded = '';
  for (let i = 0; tags.has(`${TAG.labelsPrefix}${i}`); i++) encoded += tags.get(`${TAG.labelsPrefix}${i}`);
  if (!encoded) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
  } catch {
    // Tags someone edited by hand: the container is still recovered, without its labels.
    return {};
  }
}

/**
 * AWS tag values allow letters, digits, spaces and `_ . : / = + - @`, up to 256 characters. Docker names,
 * image references and instance names fit; anything else is replaced rather than refused at create.
 */
function tagSafe(value: string): string {
  return value.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, '_').slice(0, TAG_VALUE_MAX);
}
