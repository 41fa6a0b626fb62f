import { createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitHubError } from './errors';

/** What an operator copies into ci-github's config: the app's id and key, the installation, a token. */
export interface AppCredentials {
  appId: number;
  installationId: number;
  /** PKCS#1 PEM, as GitHub hands out an app's private key. */
  privateKey: string;
  /** A personal access token the simulator accepts, for `auth: { token }`. */
  token: string;
}

interface SavedAuth { appId: number; installationId: number; privateKey: string; token: string }

/**
 * The GitHub App the simulator plays: its RS256 key pair (made once, kept in the home), JWTs checked as GitHub
 * checks them (signature, `iss` = app id, `exp` at most 10 minutes ahead), installation tokens with an expiry.
 */
export class AppAuth {
  readonly credentials: AppCredentials;
  private readonly publicKey: KeyObject;
  private readonly installationTokens = new Map<string, number>();

  constructor(stateDir: string, private readonly tokenTtlSeconds: number) {
    const file = join(stateDir, 'app.json');
    let saved: SavedAuth;
    if (existsSync(file)) {
      saved = JSON.parse(readFileSync(file, 'utf8')) as SavedAuth;
    } else {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      saved = { appId: 4242, installationId: 7, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), token: `ghp_${randomBytes(18).toString('hex')}` };
      writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
    }
    this.credentials = saved;
    this.publicKey = createPublicKey(saved.privateKey);
  }

  /** `Authorization: Bearer <JWT>` for the `/app/...` endpoints; 401 as GitHub words it otherwise. */
  checkJwt(authorization: string | undefined): void {
    const jwt = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const parts = jwt?.split('.');
    if (!parts || parts.length !== 3) throw new GitHubError(401, 'A JSON web token could not be decoded');
    const [header, payload, signature] = parts;
    const ok = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.publicKey, Buffer.from(signature, 'base64url'));
    if (!ok) throw new GitHubError(401, 'A JSON web token could not be decoded');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: number; iat?: number };
    const now = Math.floor(Date.now() / 1000);
    if (String(claims.iss) !== String(this.credentials.appId)) throw new GitHubError(401, `'Issuer' claim ('iss') must be an Integer`);
    if (typeof claims.exp !== 'number' || claims.exp < now) throw new GitHubError(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    if (claims.exp - now > 600) throw new GitHubError(401, "'Expiration time' claim ('exp') is too far in the future");
  }

  issueInstallationToken(installationId: number): { token: string; expires_at: string } {
    if (installationId !== this.credentials.installationId) throw new GitHubError(404, 'Not Found');
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expires = Date.now() + this.tokenTtlSeconds * 1000;
    this.installationTokens.set(token, expires);
    return { token, expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** `Authorization: token X` / `Bearer X`: an unexpired installation token, or the personal token. */
  checkToken(authorization: string | undefined): void {
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token && token === this.credentials.token) return;
    const expires = token ? this.installationTokens.get(token) : undefined;
    if (expires === undefined || expires < Date.now()) throw new GitHubError(401, 'Bad credentials');
  }

  /** How many installation tokens were issued: the coordinator refreshes before expiry, not per call. */
  tokensIssued(): number {
    return this.installationTokens.size;
  }
}
