import { InvalidArgumentError } from './errors';
import { POOL_LABEL } from './contracts/pools';
import type { WorkloadIdentity, WorkloadSpec } from './contracts/backend';

/**
 * A container's identity as key/value tags on the cloud resource that runs it, so a daemon with no record of
 * it (a new home, a lost state file) can rebuild one from the cloud alone: the cloud is the source of truth.
 * Cloud-neutral: a backend maps the record to its provider's tag shape and adds keys of its own.
 * Env and secrets are never put in tags.
 */
export const IDENTITY_TAG = {
  managed: 'sockerless-managed',
  containerId: 'sockerless-container-id',
  name: 'sockerless-name',
  image: 'sockerless-image',
  createdAt: 'sockerless-created-at',
  instance: 'sockerless-instance',
  pool: 'sockerless-pool',
  /** Followed by 0, 1, ...: the labels, encoded by `encodeLabelChunks`. */
  labelsPrefix: 'sockerless-labels-',
} as const;

/** The provider's tag limits, so label chunks are refused at create rather than by the cloud. */
export interface IdentityTagLimits {
  /** The provider's name in error messages, e.g. `ECS`. */
  cloud: string;
  /** Tags per resource. */
  maxTags: number;
  /** Characters per tag value; also the label chunk size. */
  maxValueLength: number;
  /** Tags the backend takes besides the label chunks (the identity keys and its own extras). */
  reservedTags: number;
  /** Rewrites a name, image, instance or pool value into the characters the provider allows; values are kept as they are when absent. */
  sanitize?: (value: string) => string;
}

/** Tags as a map (e.g. built from a provider's tag list) or as a plain record. */
export type TagLookup = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** The tags that name a container; InvalidArgument when its labels or a value do not fit `limits`. */
export function identityTags(spec: WorkloadSpec, instance: string, createdAt: string, limits: IdentityTagLimits): Record<string, string> {
  const clean = limits.sanitize ?? ((value: string) => value);
  const tags: Record<string, string> = {
    [IDENTITY_TAG.managed]: 'true',
    [IDENTITY_TAG.containerId]: spec.id,
    [IDENTITY_TAG.name]: clean(spec.name),
    [IDENTITY_TAG.image]: clean(spec.image.ref),
    [IDENTITY_TAG.createdAt]: createdAt,
    [IDENTITY_TAG.instance]: clean(instance),
    [IDENTITY_TAG.pool]: clean(spec.labels[POOL_LABEL] || 'default'),
  };
  const chunks = encodeLabelChunks(spec.labels, limits.maxValueLength);
  const free = limits.maxTags - limits.reservedTags;
  if (chunks.length > free) {
    throw new InvalidArgumentError(`the container's labels are too large for ${limits.cloud} tags: they take ${chunks.length} tags of ${limits.maxValueLength} characters, and of the at most ${limits.maxTags} tags a resource may have ${free} are left for labels`);
  }
  chunks.forEach((chunk, i) => { tags[`${IDENTITY_TAG.labelsPrefix}${i}`] = chunk; });
  for (const [key, value] of Object.entries(tags)) {
    if (value.length > limits.maxValueLength) {
      throw new InvalidArgumentError(`the value of ${limits.cloud} tag ${key} would be longer than ${limits.maxValueLength} characters: ${value.slice(0, 40)}...`);
    }
  }
  return tags;
}

/** The identity the tags carry, or undefined when they are not a Sockerless container's. */
export function identityFromTags(tags: TagLookup): WorkloadIdentity | undefined {
  const get = tagGetter(tags);
  if (get(IDENTITY_TAG.managed) !== 'true' || !get(IDENTITY_TAG.containerId)) return undefined;
  return {
    name: get(IDENTITY_TAG.name) ?? '',
    image: get(IDENTITY_TAG.image) ?? '',
    created: get(IDENTITY_TAG.createdAt) ?? new Date(0).toISOString(),
    labels: decodeLabelChunks(tags),
    pool: get(IDENTITY_TAG.pool) || undefined,
  };
}

/** Labels as base64url(JSON) cut in `chunkLength`-character chunks (tag values allow neither every character nor any length); none when there are no labels. */
export function encodeLabelChunks(labels: Record<string, string>, chunkLength: number): string[] {
  if (Object.keys(labels).length === 0) return [];
  const encoded = Buffer.from(JSON.stringify(labels), 'utf8').toString('base64url');
  const chunks: string[] = [];
  for (let i = 0; i < encoded.length; i += chunkLength) chunks.push(encoded.slice(i, i + chunkLength));
  return chunks;
}

/** The labels of `sockerless-labels-0`, `-1`, ...; none when they are absent or not ours. */
export function decodeLabelChunks(tags: TagLookup): Record<string, string> {
  const get = tagGetter(tags);
  let encoded = '';
  for (let i = 0, chunk = get(`${IDENTITY_TAG.labelsPrefix}0`); chunk !== undefined; chunk = get(`${IDENTITY_TAG.labelsPrefix}${++i}`)) encoded += chunk;
  if (!encoded) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    // Tags someone edited by hand: the container is still recovered, without its labels.
    return {};
  }
}

function tagGetter(tags: TagLookup): (key: string) => string | undefined {
  if (tags instanceof Map) return (key) => tags.get(key);
  const record = tags as Readonly<Record<string, string>>;
  return (key) => (Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined);
}
