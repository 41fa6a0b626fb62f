import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A directory laid out as the docker CLI's DOCKER_CERT_PATH (and dockerd's defaults): ca.pem, cert.pem, key.pem. */
export interface CertDir {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

export interface TestPki {
  /** The server's: its CA (which also signs the clients), certificate and key for 127.0.0.1/localhost. */
  server: CertDir;
  /** A client certificate signed by the server's CA. */
  client: CertDir;
  /** A client certificate signed by another CA, which the daemon must refuse. */
  strangerClient: CertDir;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string): void {
  mkdirSync(dir, { recursive: true });
  openssl(dir, ['req', '-x509', ...EC, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sockerless-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

/** A key and a certificate signed by the CA in `caDir`, laid out with a copy of that CA as a cert dir. */
function issue(caDir: string, dir: string, cn: string, extensions: string, serial: number): CertDir {
  mkdirSync(dir, { recursive: true });
  openssl(dir, ['req', ...EC, '-keyout', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${cn}`]);
  writeFileSync(join(dir, 'ext.cnf'), extensions);
  openssl(dir, ['x509', '-req', '-in', 'req.csr', '-CA', join(caDir, 'ca.pem'), '-CAkey', join(caDir, 'ca-key.pem'), '-set_serial', String(serial), '-days', '2', '-extfile', 'ext.cnf', '-out', 'cert.pem']);
  copyFileSync(join(caDir, 'ca.pem'), join(dir, 'ca.pem'));
  return { dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

/** Generates, with openssl under `root`, what the steps of Docker's "Protect the Docker daemon socket" page make. */
export function generateTestPki(root: string): TestPki {
  makeCa(join(root, 'ca'));
  makeCa(join(root, 'stranger-ca'));
  return {
    server: issue(join(root, 'ca'), join(root, 'server'), 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n', 2),
    client: issue(join(root, 'ca'), join(root, 'client'), 'client', 'extendedKeyUsage=clientAuth\n', 3),
    strangerClient: issue(join(root, 'stranger-ca'), join(root, 'stranger-client'), 'client', 'extendedKeyUsage=clientAuth\n', 4),
  };
}
