import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@sockerless/sdk';
import { parseCliArgs } from '../../cli/src/commands';
import { validateConfig } from '../src/config/load-config';
import { parseListenUrl } from '../src/listen';
import { checkListenerSecurity, resolveListenerSecurity } from '../src/listener-security';

function recordingLogger(): { logger: Logger; warnings: { msg: string; fields?: Record<string, unknown> }[] } {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: () => undefined, info: () => undefined, error: () => undefined,
    warn: (msg, fields) => { warnings.push({ msg, fields }); },
    child: () => logger,
  };
  return { logger, warnings };
}

const targets = (...urls: string[]) => urls.map((url) => ({ url, target: parseListenUrl(url, '/') }));

test('plain tcp:// on loopback is allowed with a warning naming the listener; unix sockets say nothing', async () => {
  const { logger, warnings } = recordingLogger();
  await checkListenerSecurity(targets('tcp://127.0.0.1:2375', 'tcp://localhost:2375', 'tcp://[::1]:2375', 'unix:///run/x.sock'), { verify: false }, false, logger);
  expect(warnings.map((w) => w.fields?.listener)).toEqual(['tcp://127.0.0.1:2375', 'tcp://localhost:2375', 'tcp://[::1]:2375']);
  expect(warnings[0].msg).toMatch(/plain TCP without TLS/);
});

test('plain tcp:// on a non-loopback address is refused, naming the listener and the flags; --insecure-tcp lets it through with a warning', async () => {
  const { logger, warnings } = recordingLogger();
  for (const url of ['tcp://0.0.0.0:2375', 'tcp://[::]:2375', 'tcp://10.1.2.3:2375']) {
    await expect(checkListenerSecurity(targets(url), { verify: false }, false, logger)).rejects.toThrow(`listener ${url}: plain TCP on a non-loopback address`);
  }
  await expect(checkListenerSecurity(targets('tcp://0.0.0.0:2375'), { verify: false }, false, logger)).rejects.toThrow(/--tlsverify .*--insecure-tcp/);
  await checkListenerSecurity(targets('tcp://0.0.0.0:2375'), { verify: false }, true, logger);
  expect(warnings).toEqual([{ msg: expect.stringMatching(/--insecure-tcp/), fields: { listener: 'tcp://0.0.0.0:2375' } }]);
});

test('TLS with client verification is quiet; TLS without it warns', async () => {
  const { logger, warnings } = recordingLogger();
  await checkListenerSecurity(targets('tcp://0.0.0.0:2376'), { verify: true, tls: {} }, false, logger);
  expect(warnings).toEqual([]);
  await checkListenerSecurity(targets('tcp://0.0.0.0:2376'), { verify: false, tls: {} }, false, logger);
  expect(warnings[0].msg).toMatch(/TLS without client certificates/);
});

test('certificates default to DOCKER_CERT_PATH as dockerd\'s; --tlsverify=false is TLS without verification; a missing file names its flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockerless-tls-unit-'));
  try {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), f);
    expect(resolveListenerSecurity(undefined, '/')).toEqual({ verify: false });
    const verified = resolveListenerSecurity({ verify: true }, '/', { DOCKER_CERT_PATH: dir });
    expect(verified.verify).toBe(true);
    expect(verified.tls).toMatchObject({ ca: Buffer.from('ca.pem'), cert: Buffer.from('cert.pem'), key: Buffer.from('key.pem'), requestCert: true, rejectUnauthorized: true });
    const unverified = resolveListenerSecurity({ verify: false }, '/', { DOCKER_CERT_PATH: dir });
    expect(unverified).toMatchObject({ verify: false, tls: { requestCert: false, rejectUnauthorized: false } });
    // Relative to the config file's directory.
    expect(resolveListenerSecurity({ enabled: true, cert: 'cert.pem', key: 'key.pem' }, dir, {}).tls).toMatchObject({ cert: Buffer.from('cert.pem') });
    expect(() => resolveListenerSecurity({ verify: true, cacert: 'nope.pem' }, dir, { DOCKER_CERT_PATH: dir })).toThrow(`could not read the TLS CA certificate ${join(dir, 'nope.pem')} (--tlscacert): ENOENT`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dockerd\'s TLS flags on `sockerless daemon`, and the config section', () => {
  expect(parseCliArgs(['daemon', '--tlsverify', '--tlscacert', '/c/ca.pem', '--tlscert=/c/cert.pem', '--tlskey', '/c/key.pem']).tls)
    .toEqual({ verify: true, cacert: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem' });
  expect(parseCliArgs(['daemon', '--tls', '--tlsverify=false', '--insecure-tcp']).tls).toEqual({ enabled: true, verify: false, insecureTcp: true });
  expect(parseCliArgs(['daemon', '--tls=false']).tls).toEqual({ enabled: false });
  expect(parseCliArgs(['daemon', '--tlscert', 'rel.pem']).tls.cert).toBe(join(process.cwd(), 'rel.pem'));
  expect(() => parseCliArgs(['daemon', '--tls=maybe'])).toThrow('--tls=maybe: expected true or false');
  expect(validateConfig({ plugins: [], tls: { verify: true, cacert: 'ca.pem' } }, 'x').tls).toEqual({ verify: true, cacert: 'ca.pem' });
  expect(() => validateConfig({ plugins: [], tls: { verfiy: true } }, 'x')).toThrow(/option 'tls'/);
});
