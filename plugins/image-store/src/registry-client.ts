import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '@sockerless/sdk';
import type { RegistryCredentials } from '@sockerless/sdk/images';
import { sha256Digest } from './blob-store';
import { httpRequest, readAll, type GetResponse } from './http-get';
import { DEFAULT_DOMAIN, familiarName, type ImageReference } from '@sockerless/sdk/images';
import { goRequestError, registryErrorText } from './registry-errors';

/**
 * A client for the OCI distribution API (what pull, push, login and distribution need): manifests and
 * blobs, with Docker Hub's Bearer token dance and Basic credentials from `X-Registry-Auth`. Like dockerd,
 * it first pings `/v2/`, so an unreachable registry and the auth scheme are known before anything else.
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
export const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

/** What a token is asked for: `pull`, or `pull,push` for a push. */
export type RegistryAccess = 'pull' | 'push';

/** Docker treats loopback registries as insecure by default, so they speak plain http. */
export function isLoopbackHost(host: string): boolean {
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
  /** `http://127.0.0.1:5000`: the registry's root. */
  readonly origin: string;
  /** `127.0.0.1:5000/tools/bb`: the repository, as blob forms remember where they came from. */
  readonly repository: string;
  private readonly baseUrl: string;
  private authorization: string | undefined;
  private pinged: Promise<{ status: number; challenge: string }> | undefined;
  /** A Basic challenge met without credentials: dockerd's transport fails every request with this. */
  private basicWithoutCredentials = false;

  constructor(private readonly ref: ImageReference, private readonly credentials?: RegistryCredentials, private readonly access: RegistryAccess = 'pull') {
    this.endpoint = ref.domain === DEFAULT_DOMAIN ? DOCKER_HUB_ENDPOINT : ref.domain;
    this.origin = `${isLoopbackHost(this.endpoint) ? 'http' : 'https'}://${this.endpoint}`;
    this.baseUrl = `${this.origin}/v2/${ref.path}`;
    this.repository = `${ref.domain}/${ref.path}`;
    if (credentials?.registrytoken) this.authorization = `Bearer ${credentials.registrytoken}`;
  }

  /**
   * `GET /v2/`, once, and the authentication its challenge asks for. Network failures are Go's
   * `Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused`, as dockerd words them.
   */
  ping(): Promise<{ status: number; challenge: string }> {
    this.pinged ??= (async () => {
      const url = `${this.origin}/v2/`;
      const res = await this.raw('GET', url);
      res.body.resume();
      const challenge = String(res.headers['www-authenticate'] ?? '');
      if (res.status === 401 && !this.authorization) await this.authenticate(challenge);
      return { status: res.status, challenge };
    })();
    return this.pinged;
  }

  /** `GET /v2/` with the credentials: what `docker login` checks. */
  async checkLogin(): Promise<{ status: number; refreshToken?: string }> {
    const { status } = await this.ping();
    if (status !== 401) return { status };
    const url = `${this.origin}/v2/`;
    const res = await this.raw('GET', url, this.authorization ? { Authorization: this.authorization } : {});
    res.body.resume();
    return { status: res.status, refreshToken: this.refreshToken };
  }

  /** Fetches a manifest by tag or digest; 404 is Docker's `manifest for NAME not found`. */
  async getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    const res = await this.request('GET', `/manifests/${tagOrDigest}`, { accept: MANIFEST_ACCEPT, verb: tagOrDigest.includes(':') ? 'Get' : 'Head' });
    const shown = `${familiarName(this.ref)}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`;
    if (res.status === 404) {
      const registryText = await registryErrorText(res, 'manifest unknown: manifest unknown');
      // The registry's own words are what `GET /distribution` answers; a pull says which manifest.
      throw Object.assign(new NotFoundError(`manifest for ${shown} not found: ${registryText}`), { registryText });
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
    const res = await this.request('GET', `/blobs/${digest}`);
    await this.throwUnlessOk(res, `blob ${digest}`);
    const bytes = await this.readBody(res);
    if (sha256Digest(bytes) !== digest) throw new Error(`blob verification failed for ${digest}`);
    return bytes;
  }

  /** A layer blob as a stream; the caller verifies the digest while storing it. */
  async getBlobStream(digest: string): Promise<{ body: Readable; size: number | undefined }> {
    const res = await this.request('GET', `/blobs/${digest}`);
    await this.throwUnlessOk(res, `blob ${digest}`);
    const length = Number(res.headers['content-length']);
    return { body: res.body, size: Number.isFinite(length) && length > 0 ? length : undefined };
  }

  /** Whether the repository already has the blob (`HEAD /blobs/<digest>`), so a push can skip it. */
  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `/blobs/${digest}`);
    res.body.resume();
    if (res.status === 404) return false;
    await this.throwUnlessOk(res, `blob ${digest}`);
    return true;
  }

  /** A monolithic upload: `POST /blobs/uploads/`, then `PUT <location>?digest=` with the whole blob. */
  async uploadBlob(digest: string, body: Buffer | Readable, size: number): Promise<void> {
    const started = await this.request('POST', '/blobs/uploads/', { headers: { 'Content-Length': '0' } });
    started.body.resume();
    await this.throwUnlessOk(started, `upload of ${digest}`);
    const location = new URL(String(started.headers.location ?? ''), this.origin);
    location.searchParams.set('digest', digest);
    const put = await this.requestUrl('PUT', location.toString(), { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) }, body });
    await this.throwUnlessOk(put, `upload of ${digest}`);
    put.body.resume();
  }

  /**
   * Cross-repository mount (`POST /blobs/uploads/?mount=<digest>&from=<path>`): 201 means the registry
   * linked the blob it has under `fromPath`; 202 means it did not and opened an upload, left to expire.
   */
  async mountBlob(digest: string, fromPath: string): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from: fromPath });
    const res = await this.request('POST', `/blobs/uploads/?${query}`, { headers: { 'Content-Length': '0' } });
    res.body.resume();
    return res.status === 201;
  }

  /** `PUT /manifests/<tag>`; answers the digest the registry computed. */
  async putManifest(tag: string, mediaType: string, bytes: Buffer): Promise<string> {
    const res = await this.request('PUT', `/manifests/${tag}`, { headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) }, body: bytes });
    await this.throwUnlessOk(res, `manifest ${tag}`);
    res.body.resume();
    return String(res.headers['docker-content-digest'] ?? sha256Digest(bytes));
  }

  private request(method: string, path: string, opts: RequestOptions = {}): Promise<GetResponse> {
    return this.requestUrl(method, this.baseUrl + path, opts);
  }

  /** One request after the ping; on a 401 challenge, authenticates once (Bearer token or Basic) and retries. */
  private async requestUrl(method: string, url: string, opts: RequestOptions = {}): Promise<GetResponse> {
    await this.ping();
    const verb = opts.verb ?? method[0] + method.slice(1).toLowerCase();
    // dockerd's pull reports Go's *url.Error whole; its push passes on only the error inside.
    if (this.basicWithoutCredentials) throw new Error(`${this.access === 'push' ? '' : `${verb} "${url}": `}no basic auth credentials`);
    let res = await this.send(method, url, opts);
    if (res.status === 401 && !(opts.body && typeof (opts.body as Readable).pipe === 'function')) {
      const challenge = String(res.headers['www-authenticate'] ?? '');
      res.body.resume();
      if (await this.authenticate(challenge)) res = await this.send(method, url, opts);
    }
    if (res.status === 401 || res.status === 403) {
      const scheme = String(res.headers['www-authenticate'] ?? '').split(' ')[0].toLowerCase();
      // A Basic registry says why (`unauthorized: authentication required`), and dockerd passes it on.
      if (scheme === 'basic' || this.access === 'push') {
        // A 500 for pull and push, as dockerd answers; `GET /distribution` makes it the 401 it is. A HEAD
        // has no body: distribution's client names the status's error code then.
        const fallback = res.status === 401 ? 'unauthorized: authentication required' : 'denied: requested access to the resource is denied';
        throw Object.assign(new Error(await registryErrorText(res, fallback)), { registryStatus: res.status });
      }
      res.body.resume();
      throw new NotFoundError(`pull access denied for ${familiarName(this.ref)}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`);
    }
    return res;
  }

  private send(method: string, url: string, opts: RequestOptions): Promise<GetResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.accept) headers.Accept = opts.accept;
    if (this.authorization) headers.Authorization = this.authorization;
    return this.raw(method, url, headers, opts.body, opts.verb);
  }

  /** One request; network failures are worded as Go's net/http words them (`Get "URL": dial tcp ...`). */
  private async raw(method: string, url: string, headers: Record<string, string> = {}, body?: Buffer | Readable, verb?: string): Promise<GetResponse> {
    try {
      return await httpRequest(method, url, { 'User-Agent': 'sockerless', ...headers }, RESPONSE_TIMEOUT_MS, body);
    } catch (err) {
      throw new Error(goRequestError(verb ?? method, url, err));
    }
  }

  private async readBody(res: GetResponse): Promise<Buffer> {
    try {
      return await readAll(res.body);
    } catch (err) {
      throw new Error(`pull from ${this.endpoint} failed: ${(err as Error).message}`);
    }
  }

  private refreshToken: string | undefined;

  /** Handles `Bearer realm=..,service=..,scope=..` (fetching a token) and `Basic` challenges. */
  private async authenticate(challenge: string): Promise<boolean> {
    const scheme = challenge.split(' ')[0].toLowerCase();
    const { username, password } = this.credentials ?? {};
    const basic = username !== undefined ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` : undefined;
    if (scheme === 'basic') {
      if (!basic) {
        this.basicWithoutCredentials = true;
        return false;
      }
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer') return false;
    const params = parseChallengeParams(challenge.slice(challenge.indexOf(' ') + 1));
    if (!params.realm) return false;
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    const scope = params.scope ?? (this.ref.path ? `repository:${this.ref.path}:${this.access === 'push' ? 'pull,push' : 'pull'}` : undefined);
    if (scope) tokenUrl.searchParams.set('scope', scope);
    if (!this.ref.path && basic) {
      // docker login asks for a refresh token it can keep instead of the password (dockerd's loginV2).
      tokenUrl.searchParams.set('offline_token', 'true');
      tokenUrl.searchParams.set('client_id', 'docker');
    }
    const res = await this.raw('GET', tokenUrl.toString(), basic ? { Authorization: basic } : {});
    const raw = await this.readBody(res);
    if (res.status !== 200) return false;
    let body: { token?: string; access_token?: string; refresh_token?: string } = {};
    try { body = JSON.parse(raw.toString('utf8')); } catch { return false; }
    const token = body.token ?? body.access_token;
    if (!token) return false;
    this.authorization = `Bearer ${token}`;
    this.refreshToken = body.refresh_token;
    return true;
  }

  private async throwUnlessOk(res: GetResponse, what: string): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    const message = await registryErrorText(res, `status ${res.status}`);
    if (res.status === 404) throw new NotFoundError(`${what} not found on ${this.endpoint}: ${message}`);
    throw new Error(`${this.endpoint} answered ${res.status} for ${what}: ${message}`);
  }
}

interface RequestOptions {
  accept?: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** How Go's error names the request (`Head` for a manifest by tag: dockerd resolves tags with HEAD). */
  verb?: string;
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
