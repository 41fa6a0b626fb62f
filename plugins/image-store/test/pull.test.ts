import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildBusyboxRootfsTar } from '../../../test/support/images';
import { pushRootfsWithSkopeo, startRegistry, type TestRegistry } from '../../../test/support/registry';
import { registryLogin } from '../src/registry-login';
import { makeHarness, type Harness } from './fakes';

let h: Harness;
let registry: TestRegistry;
beforeAll(async () => {
  h = await makeHarness();
  registry = await startRegistry(join(h.home, 'registry'));
  const tar = await buildBusyboxRootfsTar(join(h.home, 'build'));
  await Promise.all([
    pushRootfsWithSkopeo(tar, registry.host, 'tools/bb:1.0', { cmd: ['echo', 'from-registry'], env: ['FROM_REGISTRY=yes'], format: 'v2s2' }),
    pushRootfsWithSkopeo(tar, registry.host, 'tools/bb-oci:1.0', { cmd: ['sh', '-c', 'echo oci'], format: 'oci' }),
    pushRootfsWithSkopeo(tar, registry.host, 'tools/bb-multi:1.0', { cmd: ['echo', 'multi'], index: true }),
  ]);
}, 120_000);
afterAll(async () => {
  await registry?.stop();
  h?.dispose();
});

const pull = async (fromImage: string, tag?: string, extra: { credentials?: { username: string; password: string } } = {}) => {
  const lines: Record<string, any>[] = [];
  const id = await h.images.pull({ fromImage, tag, ...extra }, (l) => lines.push(l));
  return { id, lines, statuses: lines.map((l) => l.status as string) };
};

test('pulls a Docker schema 2 image: progress as Docker sends it, config, digests, unpacked rootfs', async () => {
  const ref = `${registry.host}/tools/bb`;
  const { id, lines, statuses } = await pull(ref, '1.0');
  expect(lines[0]).toEqual({ status: 'Pulling from tools/bb', id: '1.0' });
  expect(statuses).toEqual(expect.arrayContaining(['Pulling fs layer', 'Download complete', 'Pull complete']));
  expect(statuses[statuses.length - 2]).toMatch(/^Digest: sha256:[a-f0-9]{64}$/);
  expect(statuses[statuses.length - 1]).toBe(`Status: Downloaded newer image for ${ref}:1.0`);
  expect(lines.find((l) => l.status === 'Pulling fs layer')!.id).toMatch(/^[a-f0-9]{12}$/);

  const image = h.images.resolve(`${ref}:1.0`);
  expect(image.id).toBe(id);
  expect(image.record.config.config).toMatchObject({ Cmd: ['echo', 'from-registry'], Env: expect.arrayContaining(['FROM_REGISTRY=yes']) });
  expect(image.record.repoDigests).toEqual([`${ref}@${statuses[statuses.length - 2].slice(8)}`]);
  expect(statSync(join(image.rootfs!, 'bin/busybox')).isFile()).toBe(true);
  expect(h.events.emitted.filter((e) => e.Action === 'pull').map((e) => e.Actor.ID)).toContain(`${ref}:1.0`);

  const again = await pull(ref, '1.0');
  expect(again.statuses[again.statuses.length - 1]).toBe(`Status: Image is up to date for ${ref}:1.0`);
  // By digest: the same image, found by its repo digest afterwards.
  const digest = statuses[statuses.length - 2].slice(8);
  expect((await pull(`${ref}@${digest}`)).id).toBe(id);
  expect(h.images.resolve(`${ref}@${digest}`).id).toBe(id);
});

test('pulls an OCI-manifest image (tag given inside fromImage)', async () => {
  const { statuses } = await pull(`${registry.host}/tools/bb-oci:1.0`);
  expect(statuses[statuses.length - 1]).toBe(`Status: Downloaded newer image for ${registry.host}/tools/bb-oci:1.0`);
  const image = h.images.resolve(`${registry.host}/tools/bb-oci:1.0`);
  expect(image.record.config.config?.Cmd).toEqual(['sh', '-c', 'echo oci']);
  expect(existsSync(join(image.rootfs!, 'bin/sh'))).toBe(true);
});

test('pulls from an OCI index, choosing the host platform; the repo digest is the index digest', async () => {
  const { statuses } = await pull(`${registry.host}/tools/bb-multi`, '1.0');
  const image = h.images.resolve(`${registry.host}/tools/bb-multi:1.0`);
  expect(image.record.config.config?.Cmd).toEqual(['echo', 'multi']);
  expect(image.record.repoDigests[0]).toBe(`${registry.host}/tools/bb-multi@${statuses[statuses.length - 2].slice(8)}`);
  await expect(h.images.pull({ fromImage: `${registry.host}/tools/bb-multi`, tag: '1.0', platform: 'linux/riscv64' }, () => undefined))
    .rejects.toThrow('no matching manifest for linux/riscv64');
});

test('a missing tag is a 404 before any progress line', async () => {
  const lines: unknown[] = [];
  const err = await h.images.pull({ fromImage: `${registry.host}/tools/bb`, tag: 'nope' }, (l) => lines.push(l)).catch((e) => e);
  expect(err.message).toBe(`manifest for ${registry.host}/tools/bb:nope not found: manifest unknown: manifest unknown`);
  expect(err.code).toBe('NotFound');
  expect(lines).toEqual([]);
});

test('an unreachable registry fails before any progress, naming the registry', async () => {
  const lines: unknown[] = [];
  const err = await h.images.pull({ fromImage: '127.0.0.1:1/x/y', tag: '1' }, (l) => lines.push(l)).catch((e) => e);
  // dockerd's words: Go's error for its first request, the ping of /v2/.
  expect(err.message).toBe('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused');
  expect(lines).toEqual([]);
});

test('two concurrent pulls of one image both succeed and store it once', async () => {
  const ref = `${registry.host}/tools/bb-oci`;
  const other = await makeHarness();
  try {
    const [a, b] = await Promise.all([
      other.images.pull({ fromImage: ref, tag: '1.0' }, () => undefined),
      other.images.pull({ fromImage: ref, tag: '1.0' }, () => undefined),
    ]);
    expect(a).toBe(b);
    expect(other.images.list()).toHaveLength(1);
  } finally {
    other.dispose();
  }
});

describe('Bearer token auth as Docker Hub does it', () => {
  let proxy: Server;
  let proxyHost: string;
  beforeAll(async () => {
    // A front for the registry that wants `Bearer tok`, handed out by /token to user:pass only.
    proxy = createServer(async (req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('user:pass').toString('base64')}` && url.searchParams.get('service') === 'test-registry'
          && url.searchParams.get('scope') === 'repository:tools/bb:pull';
        res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' }).end(ok ? JSON.stringify({ token: 'tok' }) : '{}');
        return;
      }
      if (req.headers.authorization !== 'Bearer tok') {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${proxyHost}/token",service="test-registry",scope="repository:tools/bb:pull"` }).end();
        return;
      }
      const upstream = await fetch(`http://${registry.host}${req.url}`, { headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

  test('with credentials the token is fetched and the pull succeeds; without, access is denied', async () => {
    const ok = await pull(`${proxyHost}/tools/bb`, '1.0', { credentials: { username: 'user', password: 'pass' } });
    expect(ok.statuses[ok.statuses.length - 1]).toMatch(/^Status: /);
    await expect(h.images.pull({ fromImage: `${proxyHost}/tools/bb`, tag: '1.0' }, () => undefined))
      .rejects.toThrow(`pull access denied for ${proxyHost}/tools/bb, repository does not exist or may require 'docker login'`);
  });

  test('docker login fetches a token with the credentials and checks /v2/ with it', async () => {
    await expect(registryLogin({ username: 'user', password: 'pass', serveraddress: `http://${proxyHost}/` }))
      .resolves.toEqual({ Status: 'Login Succeeded', IdentityToken: '' });
    await expect(registryLogin({ username: 'user', password: 'nope', serveraddress: proxyHost }))
      .rejects.toMatchObject({ code: 'Unauthorized', message: `login attempt to http://${proxyHost}/v2/ failed with status: 401 Unauthorized` });
  });
});
