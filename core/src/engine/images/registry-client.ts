import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '@sockerless/sdk';
import { sha256Digest } from './blob-store';
import { httpGet, readAll, type GetResponse } from './http-get';
import { DEFAULT_DOMAIN, familiarName, type ImageReference } from './reference';

/**
 * A client for the OCI distribution API (the part a pull needs): manifests and blobs, with Docker Hub's
 * Bearer token dance and Basic credentials from `X-Registry-Auth`.
 */

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

const MANIFEST_ACCEPT = [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex].join(', ');
/** How long to wait for a registry to answer (headers), not for a whole blob to arrive. */
const RESPONSE_TIMEOUT_MS = 30_000;
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A token the client already holds (`registrytoken` in X-Registry-Auth). */
  registrytoken?: string;
}

/** Decodes the base64(url) JSON of `X-Registry-Auth`; `e30=` (`{}`) and garbage both mean anonymous. */
export function decodeRegistryAuth(header: string | undefined): RegistryCredentials | undefined {
  if (!header) return undefined;
  try {
    const json = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as Record<string, unknown>;
    const creds: RegistryCredentials = {
      username: typeof json.username === 'string' ? json.username : undefined,
      password: typeof json.password === 'string' ? json.password : undefined,
      registrytoken: typeof json.registrytoken === 'string' && json.registrytoken ? json.registrytoken : undefined,
    };
    return creds.username || creds.registrytoken ? creds : undefined;
  } catch {
    return undefined;
  }
}

/** Docker treats loopback registries as insecure by default, so they speak plain http. */
function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

export interface FetchedManifest {
  mediaType: string;
  bytes: Buffer;
  digest: string;
  json: Record<string, any>;
}

export class RegistryClient {
  /** The host we actually dial, as named in error messages. */
  readonly endpoint: string;
  private readonly baseUrl: string;
  private authorization: string | undefined;

  constructor(private readonly ref: ImageReference, private readonly credentials?: RegistryCredentials) {
    this.endpoint = ref.domain === DEFAULT_DOMAIN ? DOCKER_HUB_ENDPOINT : ref.domain;
    this.baseUrl = `${isLoopbackHost(this.endpoint) ? 'http' : 'https'}://${this.endpoint}/v2/${ref.path}`;
    if (credentials?.registrytoken) this.authorization = `Bearer ${credentials.registrytoken}`;
  }

  /** Fetches a manifest by tag or digest; 404 is Docker's `manifest for NAME not found`. */
  async getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    const res = await this.request(`/manifests/${tagOrDigest}`, MANIFEST_ACCEPT);
    const shown = `${familiarName(this.ref)}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`;
    if (res.status === 404) {
      throw new NotFoundError(`manifest for ${shown} not found: manifest unknown: ${await registryMessage(res, 'manifest unknown')}`);
    }
    await this.throwUnlessOk(res, `manifest for ${shown}`);
    const bytes = await this.readBody(res);
    const digest = sha256Digest(bytes);
    if (tagOrDigest.includes(':') && tagOrDigest !== digest) {
      throw new Error(`manifest verification failed for digest ${tagOrDigest}: the registry sent ${digest}`);
    }
    let json: Record<string, any>;
    try {
      json = JSON.parse(bytes.toString('utf8')) as Record<string, any>;
    } catch {
      throw new Error(`${this.endpoint} sent a manifest for ${shown} that is not JSON`);
    }
    const mediaType = String(json.mediaType ?? res.headers['content-type']?.split(';')[0] ?? '');
    if (mediaType === MEDIA_TYPES.dockerSchema1 || json.schemaVersion === 1) {
      throw new InvalidArgumentError(`${shown} uses the Docker schema 1 manifest format, which Sockerless (like current Docker) does not pull`);
    }
    return { mediaType, bytes, digest, json };
  }

  /** A small blob (an image config), verified against its digest. */
  async getBlobBytes(digest: string): Promise<Buffer> {
    const res = await this.request(`/blobs/${digest}`);
    await this.throwUnlessOk(res, `blob ${digest}`);
    const bytes = await this.readBody(res);
    if (sha256Digest(bytes) !== digest) throw new Error(`blob verification failed for ${digest}`);
    return bytes;
  }

  /** A layer blob as a stream; the caller verifies the digest while storing it. */
  async getBlobStream(digest: string): Promise<{ body: Readable; size: number | undefined }> {
    const res = await this.request(`/blobs/${digest}`);
    await this.throwUnlessOk(res, `blob ${digest}`);
    const length = Number(res.headers['content-length']);
    return { body: res.body, size: Number.isFinite(length) && length > 0 ? length : undefined };
  }

  /** One GET; on a 401 challenge, authenticates once (Bearer token or Basic) and retries. */
  private async request(path: string, accept?: string): Promise<GetResponse> {
    const url = this.baseUrl + path;
    let res = await this.send(url, accept);
    if (res.status === 401) {
      const challenge = String(res.headers['www-authenticate'] ?? '');
      res.body.resume();
      if (await this.authenticate(challenge)) res = await this.send(url, accept);
      if (res.status === 401 || res.status === 403) {
        res.body.resume();
        throw new NotFoundError(`pull access denied for ${familiarName(this.ref)}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`);
      }
    }
    return res;
  }

  private async send(url: string, accept?: string): Promise<GetResponse> {
    const headers: Record<string, string> = { 'User-Agent': 'sockerless' };
    if (accept) headers.Accept = accept;
    if (this.authorization) headers.Authorization = this.authorization;
    return this.getOrExplain(url, headers);
  }

  /** One GET; network failures become an error naming the registry (Docker names the URL it dialled). */
  private async getOrExplain(url: string, headers: Record<string, string>): Promise<GetResponse> {
    try {
      return await httpGet(url, headers, RESPONSE_TIMEOUT_MS);
    } catch (err) {
      throw new Error(`pull from ${this.endpoint} failed: ${networkReason(err)}`);
    }
  }

  private async readBody(res: GetResponse): Promise<Buffer> {
    try {
      return await readAll(res.body);
    } catch (err) {
      throw new Error(`pull from ${this.endpoint} failed: ${networkReason(err)}`);
    }
  }

  /** Handles `Bearer realm=..,service=..,scope=..` (fetching a token) and `Basic` challenges. */
  private async authenticate(challenge: string): Promise<boolean> {
    const scheme = challenge.split(' ')[0].toLowerCase();
    const { username, password } = this.credentials ?? {};
    const basic = username !== undefined ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` : undefined;
    if (scheme === 'basic') {
      if (!basic) return false;
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer') return false;
    const params = parseChallengeParams(challenge.slice(challenge.indexOf(' ') + 1));
    if (!params.realm) return false;
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? `repository:${this.ref.path}:pull`);
    const res = await this.getOrExplain(tokenUrl.toString(), basic ? { Authorization: basic, 'User-Agent': 'sockerless' } : { 'User-Agent': 'sockerless' });
    const raw = await this.readBody(res);
    if (res.status !== 200) return false;
    let body: { token?: string; access_token?: string } = {};
    try { body = JSON.parse(raw.toString('utf8')); } catch { return false; }
    const token = body.token ?? body.access_token;
    if (!token) return false;
    this.authorization = `Bearer ${token}`;
    return true;
  }

  private async throwUnlessOk(res: GetResponse, what: string): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    const message = await registryMessage(res, `status ${res.status}`);
    if (res.status === 404) throw new NotFoundError(`${what} not found on ${this.endpoint}: ${message}`);
    throw new Error(`${this.endpoint} answered ${res.status} for ${what}: ${message}`);
  }
}

/** `realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`. */
export function parseChallengeParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([a-zA-Z_]+)="([^"]*)"|([a-zA-Z_]+)=([^,\s]*)/g)) {
    if (m[1]) out[m[1].toLowerCase()] = m[2];
    else out[m[3].toLowerCase()] = m[4];
  }
  return out;
}

/** The `errors[0].message` of a registry's JSON error body, else `fallback`. */
async function registryMessage(res: GetResponse, fallback: string): Promise<string> {
  try {
    const body = JSON.parse((await readAll(res.body)).toString('utf8')) as { errors?: { message?: string }[] };
    return body.errors?.[0]?.message || fallback;
  } catch {
    return fallback;
  }
}

/** Node reports a failed dual-stack connect as an AggregateError with an empty message. */
function networkReason(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: { message?: string }[] };
  return e?.message || e?.errors?.[0]?.message || e?.code || String(err);
}
