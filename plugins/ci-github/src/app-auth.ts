import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** Installation tokens are renewed this long before they expire (GitHub's last for an hour). */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * A GitHub App's JWT (RS256, `iss` = app id, `iat` 60 s in the past for clock drift, `exp` 9 minutes ahead:
 * GitHub refuses more than 10), as GitHub's "Generating a JSON Web Token" describes.
 */
export function appJwt(appId: string | number, key: KeyObject, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 60, exp: now + 540, iss: String(appId) })}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

/** Where the coordinator's token comes from: fixed, or an installation token bought with the app's JWT. */
export interface TokenSource {
  token(): Promise<string>;
}

export function fixedToken(token: string): TokenSource {
  return { token: async () => token };
}

/** Buys installation tokens (`POST /app/installations/{id}/access_tokens`) and renews them before expiry. */
export class InstallationTokens implements TokenSource {
  private current?: { token: string; expiresAt: number };
  private buying?: Promise<string>;
  private readonly key: KeyObject;

  constructor(
    private readonly appId: string | number,
    private readonly installationId: number,
    privateKeyPem: string,
    private readonly buy: (jwt: string, installationId: number) => Promise<{ token: string; expires_at: string }>,
  ) {
    this.key = createPrivateKey(privateKeyPem);
  }

  token(): Promise<string> {
    if (this.current && this.current.expiresAt - REFRESH_BEFORE_MS > Date.now()) return Promise.resolve(this.current.token);
    // One purchase at a time: a burst of jobs shares it.
    this.buying ??= this.buy(appJwt(this.appId, this.key), this.installationId)
      .then(({ token, expires_at }) => {
        this.current = { token, expiresAt: Date.parse(expires_at) };
        return token;
      })
      .finally(() => { this.buying = undefined; });
    return this.buying;
  }
}
