import { NotFoundError, UnauthorizedError } from '@sockerless/sdk';
import type { DistributionInspect } from '@sockerless/sdk';
import type { RegistryCredentials } from '@sockerless/sdk/images';
import { MEDIA_TYPES, RegistryClient, type FetchedManifest } from './registry-client';
import { parseReference, withDefaultTag } from '@sockerless/sdk/images';

/**
 * `GET /distribution/{name}/json` (what `docker manifest`-less clients and swarm use to pin a digest): the
 * registry's descriptor of the manifest a name points at, and the platforms it serves, as dockerd's
 * distribution router answers: a manifest list names its entries' platforms, an image its config's.
 */

export async function inspectDistribution(name: string, credentials: RegistryCredentials | undefined): Promise<DistributionInspect> {
  const ref = withDefaultTag(parseReference(name));
  const client = new RegistryClient(ref, credentials);
  let manifest: FetchedManifest;
  try {
    manifest = await client.getManifest(ref.digest ?? ref.tag!);
  } catch (err) {
    const e = err as { registryText?: string; registryStatus?: number; message: string };
    // dockerd passes the registry's error on as it is: `manifest unknown: manifest unknown` (404), 401.
    if (e.registryText) throw new NotFoundError(e.registryText);
    if (e.registryStatus === 401 || e.registryStatus === 403) throw new UnauthorizedError(e.message);
    throw err;
  }
  const descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
  if (manifest.mediaType === MEDIA_TYPES.dockerList || manifest.mediaType === MEDIA_TYPES.ociIndex) {
    const entries = (manifest.json.manifests ?? []) as { platform?: Record<string, unknown> }[];
    return { Descriptor: descriptor, Platforms: entries.map((m) => platformOf(m.platform ?? {})) };
  }
  const configDigest = (manifest.json.config as { digest?: string } | undefined)?.digest;
  const config = configDigest ? JSON.parse((await client.getBlobBytes(configDigest)).toString('utf8')) as Record<string, unknown> : {};
  return { Descriptor: descriptor, Platforms: [platformOf(config)] };
}

/** OCI's Platform with Go's omitempty: only the fields that have a value. */
function platformOf(source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['architecture', 'os', 'os.version', 'os.features', 'variant']) {
    const v = source[key];
    if (v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) out[key] = v;
  }
  return out;
}
