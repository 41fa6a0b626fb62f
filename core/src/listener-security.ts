import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { isLoopbackHost, type ListenerTlsConfig, type Logger } from '@sockerless/sdk';
import type { ListenTarget } from './listen';

/** What the tcp:// listeners serve: TLS (with or without client certificates) or plain HTTP. */
export interface ListenerSecurity {
  /** Options for `https.createServer`; undefined for plain HTTP. */
  tls?: TlsOptions;
  /** Client certificates are required and verified against the CA (dockerd's --tlsverify). */
  verify: boolean;
}

/** dockerd's defaults: `ca.pem`, `cert.pem`, `key.pem` in $DOCKER_CERT_PATH or ~/.docker; a config path is from its file. */
function certFile(given: string | undefined, name: string, baseDir: string, env: NodeJS.ProcessEnv): string {
  if (given) return resolve(baseDir, given);
  return join(env.DOCKER_CERT_PATH || join(homedir(), '.docker'), name);
}

function readPem(file: string, what: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`could not read the ${what} ${file} (${flag}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * `tls` as dockerd reads its flags: `--tlsverify` at all turns TLS on, `=false` without client verification. The files
 * are read now, so a missing one stops the boot before anything listens.
 */
export function resolveListenerSecurity(config: ListenerTlsConfig | undefined, baseDir: string, env: NodeJS.ProcessEnv = process.env): ListenerSecurity {
  const verify = config?.verify === true;
  const enabled = config?.enabled === true || config?.verify !== undefined;
  if (!enabled) return { verify: false };
  const key = readPem(certFile(config?.key, 'key.pem', baseDir, env), 'TLS key', '--tlskey');
  const cert = readPem(certFile(config?.cert, 'cert.pem', baseDir, env), 'TLS certificate', '--tlscert');
  // As dockerd's tlsconfig with ExclusiveRootPools: only this CA signs acceptable client certificates.
  const ca = verify ? readPem(certFile(config?.cacert, 'ca.pem', baseDir, env), 'TLS CA certificate', '--tlscacert') : undefined;
  // TLS 1.2 as the floor, as dockerd's tlsconfig.Server does.
  return { verify, tls: { key, cert, ...(ca ? { ca } : {}), requestCert: verify, rejectUnauthorized: verify, minVersion: 'TLSv1.2' } };
}

/**
 * dockerd 27's refusal of unauthenticated TCP, before anything binds: plain tcp:// off loopback stops the boot unless
 * `--insecure-tcp`; on loopback, and TLS without client verification (a tenants token can authenticate), only warn.
 */
export async function checkListenerSecurity(targets: { url: string; target: ListenTarget }[], security: ListenerSecurity, insecureTcp: boolean, logger: Logger): Promise<void> {
  for (const { url, target } of targets) {
    if (target.kind !== 'tcp') continue;
    if (security.tls) {
      if (!security.verify) logger.warn('listener serves TLS without client certificates (--tls without --tlsverify): anyone who reaches it can use the API unless a tenants token is required', { listener: url });
      continue;
    }
    if (await isLoopbackHost(target.host!)) {
      logger.warn('listener is plain TCP without TLS: every local user, and scripts in a local browser, can use the whole API; prefer a unix socket or --tlsverify', { listener: url });
      continue;
    }
    if (!insecureTcp) {
      throw new Error(`listener ${url}: plain TCP on a non-loopback address would give anyone who reaches it root on this host, `
        + 'so it is refused (as dockerd 27 refuses unauthenticated TCP). Use --tlsverify with --tlscacert, --tlscert and --tlskey '
        + '(config: tls: { verify: true, ... }), a unix:// socket or a loopback address; or pass --insecure-tcp (config: tls: { insecureTcp: true }) to accept the risk');
    }
    logger.warn('listener is plain TCP on a non-loopback address (--insecure-tcp): anyone who reaches it controls this host', { listener: url });
  }
}
