import { InvalidArgumentError, UnauthorizedError, type AuthConfigBody, type AuthResponse } from '@sockerless/sdk';
import { DEFAULT_DOMAIN } from '@sockerless/sdk/images';
import { RegistryClient } from './registry-client';

/**
 * `POST /auth` (`docker login`), as dockerd's registry.loginV2 does it: ping `GET /v2/`, answer its
 * challenge with the credentials (Basic, or a Bearer token fetched from the realm with them), then
 * `GET /v2/` again; 200 means the credentials are good. Nothing is stored: the docker CLI keeps them and
 * sends them with each pull and push in `X-Registry-Auth`.
 */

/** Docker Hub's names for itself in `serveraddress`; empty means Docker Hub too. */
const DOCKER_HUB_ADDRESSES = new Set(['', 'docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** dockerd's ConvertToHostname: `http://127.0.0.1:5000/v2/` is `127.0.0.1:5000`. */
export function registryHostOf(serverAddress: string | undefined): string {
  const stripped = (serverAddress ?? '').trim().replace(/^https?:\/\//i, '');
  const host = stripped.split('/')[0];
  return DOCKER_HUB_ADDRESSES.has(host) ? DEFAULT_DOMAIN : host;
}

export async function registryLogin(body: AuthConfigBody): Promise<AuthResponse> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('the auth config must be a JSON object');
  const domain = registryHostOf(body.serveraddress);
  const token = body.registrytoken || body.identitytoken || undefined;
  const client = new RegistryClient({ domain, path: '' }, { username: body.username, password: body.password, registrytoken: token });
  const { status, refreshToken } = await client.checkLogin();
  if (status === 200) return { Status: 'Login Succeeded', IdentityToken: refreshToken ?? '' };
  // dockerd 23+ answers 401 (errdefs.Unauthorized) with this text; 20.10 answered 500 with the same text.
  throw new UnauthorizedError(`login attempt to ${client.origin}/v2/ failed with status: ${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd());
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
