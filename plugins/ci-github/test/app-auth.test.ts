import { generateKeyPairSync, verify } from 'node:crypto';
import { appJwt, InstallationTokens } from '../src/app-auth';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

test('the app JWT is RS256 over header.payload, issued by the app, expiring within GitHub\'s 10 minutes', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');
  const [h, p, s] = appJwt(4242, privateKey, now).split('.');
  expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  expect(claims).toEqual({ iss: '4242', iat: now / 1000 - 60, exp: now / 1000 + 540 });
  expect(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))).toBe(true);
});

test('an installation token is bought once, shared by concurrent callers, and renewed when 5 minutes are left', async () => {
  let bought = 0;
  let ttlMs = 60 * 60_000;
  const tokens = new InstallationTokens(4242, 7, pem, async (jwt, installationId) => {
    expect(jwt.split('.')).toHaveLength(3);
    expect(installationId).toBe(7);
    bought += 1;
    return { token: `ghs_${bought}`, expires_at: new Date(Date.now() + ttlMs).toISOString() };
  });
  expect(await Promise.all([tokens.token(), tokens.token(), tokens.token()])).toEqual(['ghs_1', 'ghs_1', 'ghs_1']);
  expect(await tokens.token()).toBe('ghs_1');
  expect(bought).toBe(1);
  // A token with less than 5 minutes left is not used: the next call buys a fresh one.
  ttlMs = 4 * 60_000;
  const fresh = new InstallationTokens(4242, 7, pem, async () => { bought += 1; return { token: `ghs_${bought}`, expires_at: new Date(Date.now() + ttlMs).toISOString() }; });
  expect(await fresh.token()).toBe('ghs_2');
  expect(await fresh.token()).toBe('ghs_3');
});
