import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsMaterial {
  /** The PEM clients trust (the certificate is its own CA). */
  caFile: string;
  cert: string;
  key: string;
}

/**
 * The simulator's certificate, made by `openssl` at first start and kept in `dir` so that clients keep trusting
 * it across restarts. Node cannot make an X.509 certificate itself. It is self-signed with `CA:TRUE`, so the
 * same file is what `tlsOptions.ca`, NODE_EXTRA_CA_CERTS and REQUESTS_CA_BUNDLE (the Azure CLI) are given,
 * and names 127.0.0.1 and localhost, the only addresses it is meant to be reached on.
 */
export function ensureCertificate(dir: string): TlsMaterial {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'key.pem');
  if (!existsSync(caFile) || !existsSync(keyFile)) {
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=Sockerless Azure simulator',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
        '-keyout', keyFile, '-out', caFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`the Azure simulator could not make its TLS certificate with openssl (is it installed?): ${stderr || (err as Error).message}`);
    }
  }
  return { caFile, cert: readFileSync(caFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
