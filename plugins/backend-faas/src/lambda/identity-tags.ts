import { InvalidArgumentError, type WorkloadIdentity, type WorkloadSpec } from '@sockerless/sdk';
import { LAMBDA_LIMITS } from './options';

/**
 * The container's identity as tags on its function (the same keys as the ECS backend), so a daemon with no
 * record of it can rebuild one from the cloud alone. Env is never in tags.
 */
export const TAG = {
  managed: 'sockerless-managed',
  containerId: 'sockerless-container-id',
  name: 'sockerless-name',
  image: 'sockerless-image',
  createdAt: 'sockerless-created-at',
  instance: 'sockerless-instance',
  pool: 'sockerless-pool',
  labelsPrefix: 'sockerless-labels-',
  // Written when an invocation ends: Lambda keeps no queryable record of an invocation's result.
  exitCode: 'sockerless-exit-code',
  startedAt: 'sockerless-started-at',
  finishedAt: 'sockerless-finished-at',
} as const;

const POOL_LABEL = 'com.sockerless.pool';
/** Tags this backend sets besides the label chunks, so the chunks get what is left of Lambda's 50. */
const FIXED_TAGS = 10;

export function identityTags(spec: WorkloadSpec, instanceName: string, createdAt: Date): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.managed]: 'true',
    [TAG.containerId]: spec.id,
    [TAG.name]: spec.name,
    [TAG.image]: spec.image.ref,
    [TAG.createdAt]: createdAt.toISOString(),
    [TAG.instance]: instanceName,
    [TAG.pool]: spec.labels[POOL_LABEL] ?? 'default',
  };
  const chunks = labelChunks(spec.labels);
  if (chunks.length > LAMBDA_LIMITS.maxTags - FIXED_TAGS) {
    throw new InvalidArgumentError(`the container's labels are too large for Lambda tags (${chunks.length} chunks of ${LAMBDA_LIMITS.maxTagValueLength} characters; at most ${LAMBDA_LIMITS.maxTags - FIXED_TAGS})`);
  }
  chunks.forEach((chunk, i) => { tags[`${TAG.labelsPrefix}${i}`] = chunk; });
  for (const [key, value] of Object.entries(tags)) {
    if (value.length > LAMBDA_LIMITS.maxTagValueLength) {
      throw new InvalidArgumentError(`the value of Lambda tag ${key} would be longer than ${LAMBDA_LIMITS.maxTagValueLength} characters: ${value.slice(0, 40)}...`);
    }
  }
  return tags;
}

/** Labels as base64url(JSON), cut in tag-sized chunks: tag values allow neither every character nor any length. */
function labelChunks(labels: Record<string, string>): string[] {
  if (Object.keys(labels).length === 0) return [];
  const encoded = Buffer.from(JSON.stringify(labels), 'utf8').toString('base64url');
  const chunks: string[] = [];
  for (let i = 0; i < encoded.length; i += LAMBDA_LIMITS.maxTagValueLength) chunks.push(encoded.slice(i, i + LAMBDA_LIMITS.maxTagValueLength));
  return chunks;
}

function labelsFromTags(tags: Record<string, string>): Record<string, string> {
  let encoded = '';
  for (let i = 0; tags[`${TAG.labelsPrefix}${i}`] !== undefined; i++) encoded += tags[`${TAG.labelsPrefix}${i}`];
  if (!encoded) return {};
  try {
    const parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** The identity a function's tags carry; undefined when the function is not a container of this backend. */
export function identityFromTags(tags: Record<string, string>, argv: string[] | undefined): WorkloadIdentity | undefined {
  if (tags[TAG.managed] !== 'true' || !tags[TAG.containerId] || !tags[TAG.name]) return undefined;
  const identity: WorkloadIdentity = {
    name: tags[TAG.name],
    image: tags[TAG.image] ?? '',
    created: tags[TAG.createdAt] ?? new Date(0).toISOString(),
    labels: labelsFromTags(tags),
    pool: tags[TAG.pool],
  };
  if (argv) identity.argv = argv;
  const exitCode = Number(tags[TAG.exitCode]);
  if (tags[TAG.exitCode] !== undefined && Number.isInteger(exitCode)) identity.exitCode = exitCode;
  if (tags[TAG.startedAt]) identity.startedAt = tags[TAG.startedAt];
  if (tags[TAG.finishedAt]) identity.finishedAt = tags[TAG.finishedAt];
  return identity;
}
