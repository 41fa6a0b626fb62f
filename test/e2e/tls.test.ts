/**
 * TLS on a tcp:// listener, as dockerd serves it with --tlsverify: the unchanged docker CLI (flags and
 * DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) and dockerode (ca/cert/key) over mutual TLS, and the refusals: no client
 * certificate, one from another CA, plain HTTP. Certificates are made with openssl for each run; every
 * listener is on 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { docker as dockerCli } from '../support/docker-cli';
import { DAEMON_MAIN, startTestDaemon, type TestDaemon } from '../support/daemon';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { generateTestPki, type CertDir, type TestPki } from '../support/tls-certs';

/** The embedded default's plugins and `pools`, so that `sockerless pools` has something to list over TLS. */
const POOLS_CONFIG = `export default {
  plugins: ['store-sqlite', 'backend-local', 'pools'],
  backends: { local: { driver: 'local' } },
};
`;

let pki: TestPki;
let pkiDir: string;
let e: E2E;
let tcpHost: string;
let port: number;

function tcpAddressOf(d: TestDaemon): string {
  const m = /export DOCKER_HOST=(tcp:\/\/\S+)/.exec(d.output());
  if (!m) throw new Error(`the daemon printed no tcp:// address:\n${d.output()}`);
  return m[1];
}

beforeAll(async () => {
  pkiDir = mkdtempSync(join(tmpdir(), 'sockerless-tls-'));
  pki = generateTestPki(pkiDir);
  const s = pki.server;
  e = await startE2E({ config: POOLS_CONFIG, args: ['--listen', 'tcp://127.0.0.1:0', '--tlsverify', '--tlscacert', s.ca, '--tlscert', s.cert, '--tlskey', s.key] });
  tcpHost = tcpAddressOf(e.daemon);
  port = Number(new URL(tcpHost.replace('tcp://', 'http://')).port);
});
afterAll(async () => {
  await e?.dispose();
  if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
});

/** The docker CLI on the TLS listener with the client's certificate given as flags. */
function overTlsFlags(args: string[], opts: { input?: string } = {}) {
  const c = pki.client;
  return dockerCli(tcpHost, e.daemon.dir, ['--tlsverify', '--tlscacert', c.ca, '--tlscert', c.cert, '--tlskey', c.key, ...args], opts);
}

/** The docker CLI as a user sets it up by environment: DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH. */
function overTlsEnv(args: string[], certs: CertDir, opts: { input?: string } = {}) {
  return dockerCli(tcpHost, e.daemon.dir, args, { ...opts, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.dir } });
}

function dockerode(certs: Partial<Record<'ca' | 'cert' | 'key', string>>, protocol: 'https' | 'http' = 'https'): Docker {
  const read = (f?: string) => (f ? readFileSync(f) : undefined);
  return new Docker({ host: '127.0.0.1', port, protocol, ca: read(certs.ca), cert: read(certs.cert), key: read(certs.key) });
}

test('the docker CLI with --tlsverify and certificate flags runs a container', async () => {
  const r = await overTlsFlags(['run', '--rm', BUSYBOX, 'echo', 'hi']);
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
});

test('DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH: run -i carries stdin over the hijacked TLS stream', async () => {
  const r = await overTlsEnv(['run', '-i', '--rm', BUSYBOX, 'sh', '-c', 'read line; echo "got $line"'], pki.client, { input: 'over-tls\n' });
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'got over-tls\n' });
});

test('exec -i with stdin (Upgrade: tcp) over TLS', async () => {
  const name = `tls-exec-${process.pid}`;
  expect((await overTlsFlags(['run', '-d', '--name', name, BUSYBOX, 'sleep', '60'])).code).toBe(0);
  try {
    const r = await overTlsEnv(['exec', '-i', name, 'sh', '-c', 'tr a-z A-Z'], pki.client, { input: 'shout\n' });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'SHOUT\n' });
  } finally {
    await overTlsFlags(['rm', '-f', name]);
  }
});

test('dockerode with ca, cert and key lists containers and runs one through attach', async () => {
  const api = dockerode(pki.client);
  const c = await api.createContainer({ Image: BUSYBOX, Cmd: ['echo', 'from-dockerode'], Tty: true, Labels: { tls: 'dockerode' } });
  const stream = await c.attach({ stream: true, stdout: true, stderr: true });
  let out = '';
  stream.on('data', (d: Buffer) => { out += d.toString(); });
  const ended = new Promise((r) => stream.on('end', r));
  await c.start();
  expect(await c.wait()).toEqual({ StatusCode: 0 });
  await ended;
  expect(out).toContain('from-dockerode');
  const listed = await api.listContainers({ all: true, filters: { label: ['tls=dockerode'] } });
  expect(listed.map((x) => x.Id)).toEqual([c.id]);
  await c.remove();
});

test('`sockerless pools ls` reaches the daemon with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the docker CLI', async () => {
  const pools = spawnSync(process.execPath, [DAEMON_MAIN, 'pools', 'ls', '--json'], {
    env: { PATH: process.env.PATH, DOCKER_HOST: tcpHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: pki.client.dir }, encoding: 'utf8',
  });
  expect(pools.stderr).toBe('');
  expect((JSON.parse(pools.stdout) as { name: string }[]).map((p) => p.name)).toEqual(['default']);
});

test('a client without a certificate is refused', async () => {
  await expect(dockerode({ ca: pki.client.ca }).listContainers()).rejects.toThrow(/certificate|handshake|socket hang up|ECONNRESET/i);
  // The docker CLI with TLS but no client certificate of its own (the CA only).
  const r = await dockerCli(tcpHost, e.daemon.dir, ['--tls', '--tlscacert', pki.client.ca, 'version', '--format', '{{.Server.Version}}']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/certificate required|EOF/i);
});

test('a client certificate from another CA is refused', async () => {
  const stranger = pki.strangerClient;
  await expect(dockerode({ ca: pki.client.ca, cert: stranger.cert, key: stranger.key }).listContainers()).rejects.toThrow(/certificate|handshake|socket hang up|ECONNRESET|unknown ca/i);
  // The CLI trusts the server (its CA), but presents the stranger's certificate.
  const r = await dockerCli(tcpHost, e.daemon.dir, ['--tlsverify', '--tlscacert', pki.client.ca, '--tlscert', stranger.cert, '--tlskey', stranger.key, 'ps']);
  expect(r.code).not.toBe(0);
  // Under TLS 1.3 the client learns of the refusal after its side of the handshake: Go reports EOF or the alert.
  expect(r.stderr).toMatch(/certificate|EOF|connection reset/i);
});

test('plain HTTP on the TLS port is answered 400 as dockerd answers it, and reaches no API', async () => {
  const answer = await new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/_ping', method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('error', (err) => resolve(`error ${err.message}`));
    req.end();
  });
  expect(answer).toBe('400 Client sent an HTTP request to an HTTPS server.\n');
  const r = await dockerCli(tcpHost, e.daemon.dir, ['ps']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('Client sent an HTTP request to an HTTPS server.');
  // A connection that resets before its first byte leaves the daemon unharmed too.
  await new Promise<void>((resolve) => {
    const c = connect(port, '127.0.0.1', () => c.resetAndDestroy());
    c.on('close', () => resolve());
  });
  // The daemon is unharmed by all of the above.
  expect((await overTlsFlags(['version', '--format', '{{.Server.APIVersion}}'])).code).toBe(0);
});

test('--tls without --tlsverify serves TLS to a client without a certificate', async () => {
  const s = pki.server;
  const d = await startTestDaemon({ args: ['--listen', 'tcp://127.0.0.1:0', '--tls', '--tlscert', s.cert, '--tlskey', s.key] });
  try {
    const host = tcpAddressOf(d);
    // The CLI's --tls: TLS with no certificate of its own (and no check of the server's).
    const r = await dockerCli(host, d.dir, ['--tls', '--tlscacert', s.ca, 'version', '--format', '{{.Server.APIVersion}}']);
    expect(r.code).toBe(0);
    const api = new Docker({ host: '127.0.0.1', port: Number(host.split(':').pop()), protocol: 'https', ca: readFileSync(s.ca) });
    expect(await api.listContainers({ all: true })).toEqual([]);
    expect(d.output()).toMatch(/TLS without client certificates/);
  } finally {
    await d.dispose();
  }
});

/** A port nothing listens on now (bound on 127.0.0.1 and released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Whether a socket on this port is in LISTEN state, from /proc/net/tcp and tcp6 (state 0A). */
function listening(p: number): boolean {
  const hex = p.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => existsSync(f) && readFileSync(f, 'utf8').split('\n').some((l) => {
    const cols = l.trim().split(/\s+/);
    return cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A';
  }));
}

test('plain tcp:// on a non-loopback address is refused at boot, before anything listens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockerless-tls-refuse-'));
  const p = await freePort();
  const socket = join(dir, 'docker.sock');
  try {
    // The refusal happens before any bind, so no traffic reaches a non-loopback address.
    const child = spawn(process.execPath, [DAEMON_MAIN, 'daemon', '--config', e.daemon.configFile, '--home', join(dir, 'home'), '--listen', `unix://${socket}`, '--listen', `tcp://0.0.0.0:${p}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(out).toContain(`listener tcp://0.0.0.0:${p}: plain TCP on a non-loopback address`);
    expect(out).toContain('--insecure-tcp');
    expect(out).not.toContain('export DOCKER_HOST');
    expect(existsSync(socket)).toBe(false);
    expect(listening(p)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
