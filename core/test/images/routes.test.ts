import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import { dockerErrors } from '../../src/docker-api/server';
import { registerImageRoutes } from '../../../plugins/image-store/src/image-routes';
import { buildBusyboxRootfsTar, writeTar } from '../../../test/support/images';
import { pushRootfsWithSkopeo, startRegistry, type TestRegistry } from '../../../test/support/registry';
import { formatErrors, validateAgainstSpec, validateResponse } from '../support/spec-schema';
import { makeHarness, silentLogger, type Harness } from '../../../plugins/image-store/test/fakes';

/** The image routes alone behind a tiny API app, driven by the real docker CLI and by raw HTTP. */
let h: Harness;
let registry: TestRegistry;
let server: Server;
let api: string;
let tar: string;
beforeAll(async () => {
  h = await makeHarness();
  registry = await startRegistry(join(h.home, 'registry'));
  tar = await buildBusyboxRootfsTar(join(h.home, 'build'));
  await Promise.all([
    pushRootfsWithSkopeo(tar, registry.host, 'tools/bb:1.0', { cmd: ['echo', 'hi'], format: 'v2s2' }),
    // Its own layer (not busybox's), so that deleting it from the registry cannot be masked by a local copy.
    writeTar(join(h.home, 'small.tar'), [{ name: 'only-here.txt', content: 'broken' }])
      .then((small) => pushRootfsWithSkopeo(small, registry.host, 'tools/broken:1', { cmd: ['true'], format: 'oci' })),
  ]);
  const app = new Koa();
  app.silent = true;
  app.use(dockerErrors(silentLogger));
  app.use(async (ctx, next) => {
    ctx.path = ctx.path.replace(/^\/v\d+\.\d+(?=\/)/, '');
    await next();
  });
  const router = new Router();
  router.all('/_ping', (ctx) => {
    ctx.set('Api-Version', '1.50');
    ctx.set('OSType', 'linux');
    ctx.body = 'OK';
  });
  registerImageRoutes(router, h.images);
  app.use(router.routes());
  server = createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await registry?.stop();
  h?.dispose();
});

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = join(h.home, 'docker-config');
  mkdirSync(config, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.DOCKER_CLI ?? '/usr/local/bin/docker', args, {
      env: { PATH: process.env.PATH, HOME: h.home, DOCKER_HOST: `tcp://${api}`, DOCKER_CONFIG: config },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(`http://${api}${path}`, init);
  const text = await res.text();
  let body: any = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body, text, type: res.headers.get('content-type') };
};

test('docker import with --change, then docker images lists it', async () => {
  const imp = await docker(['import', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV A=b', tar, 'bb:imported']);
  expect(imp).toMatchObject({ code: 0, stderr: '' });
  expect(imp.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);
  const images = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  expect(images.stdout.split('\n')).toContain('bb:imported');
  const inspect = await get('/v1.50/images/bb:imported/json');
  expect(inspect.body.Config).toMatchObject({ Cmd: ['/bin/sh'], Env: ['A=b'] });
});

test('docker pull from the registry succeeds and says so; a second pull is up to date', async () => {
  const ref = `${registry.host}/tools/bb:1.0`;
  const first = await docker(['pull', ref]);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('Pulling from tools/bb');
  expect(first.stdout).toMatch(/Digest: sha256:[a-f0-9]{64}/);
  expect(first.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
  const second = await docker(['pull', ref]);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain(`Status: Image is up to date for ${ref}`);
});

test('pull failures: missing tag (404), unreachable registry (500), failure mid-stream (error line)', async () => {
  const missing = await docker(['pull', `${registry.host}/tools/bb:nope`]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(`manifest for ${registry.host}/tools/bb:nope not found`);
  const unreachable = await docker(['pull', '127.0.0.1:1/x/y:1']);
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toContain('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused');
  const raw = await get('/images/create?fromImage=127.0.0.1:1/x/y&tag=1', { method: 'POST' });
  expect(raw.status).toBe(500);
  expect(raw.body.message).toBe('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused');

  // Delete a layer blob from the registry: the manifest still resolves, so the failure comes mid-stream.
  const manifest = await (await fetch(`http://${registry.host}/v2/tools/broken/manifests/1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).json() as { layers: { digest: string }[] };
  const del = await fetch(`http://${registry.host}/v2/tools/broken/blobs/${manifest.layers[0].digest}`, { method: 'DELETE' });
  expect(del.status).toBe(202);
  const broken = await get('/images/create?fromImage=' + encodeURIComponent(`${registry.host}/tools/broken`) + '&tag=1', { method: 'POST' });
  expect(broken.status).toBe(200);
  const lines = broken.text.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines[0]).toEqual({ status: 'Pulling from tools/broken', id: '1' });
  expect(lines[lines.length - 1].errorDetail.message).toContain('not found');
  const cli = await docker(['pull', `${registry.host}/tools/broken:1`]);
  expect(cli.code).toBe(1);
});

test('names with a registry host and slashes work in every per-image route', async () => {
  const ref = `${registry.host}/tools/bb:1.0`;
  const inspect = await get(`/images/${ref}/json`);
  expect(inspect.status).toBe(200);
  expect(formatErrors(validateAgainstSpec('ImageInspect', inspect.body))).toBe('');
  expect(inspect.body.RepoTags).toEqual([ref]);
  expect(inspect.body.RepoDigests[0]).toMatch(new RegExp(`^${registry.host}/tools/bb@sha256:`));
  const history = await get(`/images/${ref}/history`);
  expect(formatErrors(validateResponse('/images/{name}/history', 'get', 200, history.body))).toBe('');
  expect((await get(`/images/${registry.host}/tools/bb:1.0/tag?repo=${registry.host}/tools/copy&tag=2`, { method: 'POST' })).status).toBe(201);
  const del = await get(`/images/${registry.host}/tools/copy:2`, { method: 'DELETE' });
  expect(del).toMatchObject({ status: 200, body: [{ Untagged: `${registry.host}/tools/copy:2` }] });
  expect(formatErrors(validateResponse('/images/{name}', 'delete', 200, del.body))).toBe('');
  const list = await get('/images/json?filters=' + encodeURIComponent(JSON.stringify({ reference: [`${registry.host}/tools/*`] })));
  expect(formatErrors(validateResponse('/images/json', 'get', 200, list.body))).toBe('');
  expect(list.body.map((i: any) => i.RepoTags).flat()).toEqual([ref]);
});

test('errors are Docker\'s: 404 No such image, 400 bad reference, 400 bad filter', async () => {
  expect(await get('/images/nosuch/json')).toMatchObject({ status: 404, body: { message: 'No such image: nosuch:latest' } });
  expect(await get('/images/Bad/tag?repo=x', { method: 'POST' })).toMatchObject({ status: 404 });
  expect((await get('/images/bb:imported/tag?repo=Bad', { method: 'POST' })).status).toBe(400);
  expect((await get('/images/json?filters=' + encodeURIComponent('{"bogus":["x"]}'))).status).toBe(400);
});

test('docker tag, rmi (with the conflict), save, load, history and prune through the CLI', async () => {
  expect((await docker(['tag', 'bb:imported', 'bb:saved'])).code).toBe(0);
  const file = join(h.home, 'saved.tar');
  const save = await docker(['save', '-o', file, 'bb:saved']);
  expect(save).toMatchObject({ code: 0, stderr: '' });
  expect(statSync(file).size).toBeGreaterThan(500_000);
  const id = h.images.resolve('bb:saved').id;
  h.users.set(id, ['d'.repeat(64)]);
  const conflict = await get('/images/bb:saved', { method: 'DELETE' });
  expect(conflict.status).toBe(200); // bb:imported still names the image: just an untag
  const last = await get('/images/bb:imported', { method: 'DELETE' });
  expect(last.status).toBe(409);
  expect(last.body.message).toContain('conflict: unable to remove repository reference "bb:imported" (must force)');
  h.users.delete(id);
  const rmi = await docker(['rmi', 'bb:imported']);
  expect(rmi.code).toBe(0);
  expect(rmi.stdout).toContain('Untagged: bb:imported');
  expect(rmi.stdout).toContain(`Deleted: ${id}`);
  const load = await docker(['load', '-i', file]);
  expect(load).toMatchObject({ code: 0, stderr: '' });
  expect(load.stdout).toContain('Loaded image: bb:saved');
  expect((await docker(['history', 'bb:saved'])).stdout).toContain('Imported from -');
  const prune = await get('/images/prune', { method: 'POST' });
  expect(formatErrors(validateResponse('/images/prune', 'post', 200, prune.body))).toBe('');
  expect((await docker(['image', 'prune', '-f'])).code).toBe(0);
});
