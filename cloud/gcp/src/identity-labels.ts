import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { IDENTITY_TAG, identityFromTags, identityTags, InvalidArgumentError, type WorkloadIdentity, type WorkloadSpec } from '@sockerless/sdk';

/**
 * What every Google Cloud backend keeps on its resources (a Cloud Run job, a function). Google Cloud labels allow at most 64 per resource, keys and values of up to 63 lowercase letters, digits,
 * `_` and `-`: a container id (64 hex), a name, an image reference or a time does not fit. So the SDK's
 * identity record (the same keys every cloud backend keeps) is deflated, hex-encoded and cut into 63-character
 * values of `sockerless-identity-0`, `-1`, ...; two plain labels beside it let a reader pick this instance's
 * jobs without decoding every one. Env and secrets are never put in labels.
 */
export const LABEL = {
  managed: 'sockerless-managed',
  /** The instance name in label characters: a quick filter; the exact name is in the identity record. */
  instance: 'sockerless-instance',
  identityPrefix: 'sockerless-identity-',
} as const;

const MAX_LABELS = 64;
const LABEL_VALUE_MAX = 63;
const FIXED_LABELS = 2;

/**
 * The labels of a container's resource (`resource` names it in a refusal: `Cloud Run job`). InvalidArgument
 * when its identity (mostly its Docker labels) does not fit.
 */
export function identityLabels(spec: WorkloadSpec, instance: string, createdAt: string, resource = 'Cloud Run job'): Record<string, string> {
  // The SDK's record with no limits of its own: the limits that matter are on the encoded chunks below.
  const record = identityTags(spec, instance, createdAt, { cloud: resource, maxTags: Number.MAX_SAFE_INTEGER, maxValueLength: Number.MAX_SAFE_INTEGER, reservedTags: 0 });
  const encoded = deflateRawSync(Buffer.from(JSON.stringify(record), 'utf8')).toString('hex');
  const chunks: string[] = [];
  for (let i = 0; i < encoded.length; i += LABEL_VALUE_MAX) chunks.push(encoded.slice(i, i + LABEL_VALUE_MAX));
  if (chunks.length > MAX_LABELS - FIXED_LABELS) {
    throw new InvalidArgumentError(`the container's labels are too large for ${resource} labels: its identity takes ${chunks.length} labels of ${LABEL_VALUE_MAX} characters, and a resource may have ${MAX_LABELS - FIXED_LABELS} besides Sockerless' own`);
  }
  const labels: Record<string, string> = { [LABEL.managed]: 'true', [LABEL.instance]: labelValue(instance) };
  chunks.forEach((chunk, i) => { labels[`${LABEL.identityPrefix}${i}`] = chunk; });
  return labels;
}

export interface JobIdentity {
  containerId: string;
  instance: string;
  identity: WorkloadIdentity;
}

/** The container a resource's labels name, or undefined when they are not a Sockerless container's (or were edited). */
export function identityOfLabels(labels: Record<string, string> | null | undefined): JobIdentity | undefined {
  if (!labels || labels[LABEL.managed] !== 'true') return undefined;
  let encoded = '';
  for (let i = 0; labels[`${LABEL.identityPrefix}${i}`] !== undefined; i++) encoded += labels[`${LABEL.identityPrefix}${i}`];
  let record: Record<string, string>;
  try {
    record = JSON.parse(inflateRawSync(Buffer.from(encoded, 'hex')).toString('utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
  const identity = identityFromTags(record);
  if (!identity) return undefined;
  return { containerId: record[IDENTITY_TAG.containerId], instance: record[IDENTITY_TAG.instance] ?? '', identity };
}

/** Text in label-value characters: lowercase, anything else `-`, at most 63. */
export function labelValue(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, LABEL_VALUE_MAX);
}
