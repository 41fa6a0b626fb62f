/**
 * `docker build` with the classic builder (issue 14, item 1): the docker CLI with DOCKER_BUILDKIT=0 and
 * dockerode's buildImage against backend-local. A multi-stage build with --target, build args,
 * .dockerignore and COPY --from; a failing RUN step; a second identical build that hits the cache for every
 * step; the built image run and its history; /build/prune.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let client: Docker;
let ctxDir: string;
const CLASSIC = { DOCKER_BUILDKIT: '0' };

const DOCKERFILE = `ARG BASE=${BUSYBOX}
FROM $BASE AS base
ARG GREETING=hello
ENV A=1 B="two words"
LABEL x=y
WORKDIR /app
RUN echo $GREETING > /app/g && echo out && echo err >&2
COPY sub/ /app/sub/
COPY f.txt /app/
EXPOSE 80/tcp
USER 1000
CMD ["cat", "/app/g"]

FROM ${BUSYBOX} AS final
COPY --from=base /app/g /g
ENTRYPOINT ["cat"]
CMD ["/g"]

FROM ${BUSYBOX} AS broken
RUN exit 3
`;

beforeAll(async () => {
  e = await startE2E();
  client = new Docker({ socketPath: e.daemon.socket });
  ctxDir = join(e.daemon.dir, 'ctx');
  mkdirSync(join(ctxDir, 'sub'), { recursive: true });
  writeFileSync(join(ctxDir, 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(ctxDir, 'f.txt'), 'hi\n');
  writeFileSync(join(ctxDir, 'sub', 's.txt'), 's\n');
  writeFileSync(join(ctxDir, 'secret.txt'), 'ignored\n');
  writeFileSync(join(ctxDir, '.dockerignore'), 'secret.txt\n');
});
afterAll(async () => { await e?.dispose(); });

const build = (args: string[]) => e.docker(['build', ...args], { env: CLASSIC, timeoutMs: 120_000 });

test('a multi-stage build with --target and a build arg: every step printed as dockerd does, the image tagged', async () => {
  const r = await build(['-t', 'built:base', '-t', 'built:other', '--target', 'base', '--build-arg', 'GREETING=bonjour', ctxDir]);
  expect(r.stderr + r.stdout).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines).toContain('Step 1/12 : ARG BASE=busybox:latest');
  expect(lines).toContain('Step 7/12 : RUN echo $GREETING > /app/g && echo out && echo err >&2');
  expect(lines.filter((l) => l.startsWith(' ---> Running in ')).length).toBeGreaterThan(3);
  expect(lines).toContain('out');
  expect(r.stdout).toMatch(/Successfully built [0-9a-f]{12}\nSuccessfully tagged built:base\nSuccessfully tagged built:other/);
  const cfg = JSON.parse(await e.ok(['image', 'inspect', 'built:base', '--format', '{{json .Config}}']));
  expect(cfg).toMatchObject({ User: '1000', WorkingDir: '/app', Cmd: ['cat', '/app/g'], Labels: { x: 'y' }, ExposedPorts: { '80/tcp': {} } });
  expect(cfg.Env).toEqual(expect.arrayContaining(['A=1', 'B=two words']));
  // The built image runs with its CMD, ENV, WORKDIR and USER.
  expect(await e.ok(['run', '--rm', 'built:base'])).toBe('bonjour');
  expect(await e.ok(['run', '--rm', 'built:base', 'sh', '-c', 'echo $B:$(pwd):$(id -u):$(cat sub/s.txt f.txt)'])).toBe('two words:/app:1000:s hi');
  // .dockerignore kept secret.txt out of the context.
  expect((await e.docker(['run', '--rm', 'built:base', 'ls', '/app'])).stdout).not.toContain('secret');
  const history = await e.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'built:base']);
  expect(history.split('\n').slice(0, 3)).toEqual(['/bin/sh -c #(nop)  CMD ["cat" "/app/g"]', '/bin/sh -c #(nop)  USER 1000', '/bin/sh -c #(nop)  EXPOSE 80/tcp']);
  expect(history).toContain('|1 GREETING=bonjour /bin/sh -c echo $GREETING > /app/g && echo out && echo err >&2');
});

test('the same build again hits the cache for every step and gives the same image id', async () => {
  const first = await e.ok(['image', 'inspect', 'built:base', '--format', '{{.Id}}']);
  const r = await build(['-t', 'built:base', '--target', 'base', '--build-arg', 'GREETING=bonjour', ctxDir]);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  const steps = lines.filter((l) => /^Step \d+\/12 : /.test(l));
  expect(steps).toHaveLength(12);
  // Every step after the two that have nothing to cache (ARG before FROM, FROM) is a cache hit.
  expect(lines.filter((l) => l === ' ---> Using cache')).toHaveLength(10);
  expect(lines.some((l) => l.startsWith(' ---> Running in'))).toBe(false);
  expect(await e.ok(['image', 'inspect', 'built:base', '--format', '{{.Id}}'])).toBe(first);
});

test('COPY --from a stage, ENTRYPOINT with CMD; intermediate images are hidden from docker images', async () => {
  const r = await build(['-q', '-t', 'built:final', '--target', 'final', '--build-arg', 'GREETING=hey', ctxDir]);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(await e.ok(['run', '--rm', 'built:final'])).toBe('hey');
  const listed = await e.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  // Only the base stage's last image (no tag, no child), as dockerd lists it too; the steps under it are hidden.
  expect(listed.split('\n').filter((l) => l === '<none>:<none>')).toHaveLength(1);
  expect((await e.ok(['images', '-a', '--format', '{{.Repository}}'])).split('\n').filter((l) => l === '<none>').length).toBeGreaterThan(5);
});

test('a failing RUN: its error in the stream, the CLI fails with the code, no image tagged', async () => {
  const r = await build(['-t', 'built:broken', ctxDir]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
  expect((await e.docker(['image', 'inspect', 'built:broken'])).code).toBe(1);
  // Before the first step, dockerd answers an HTTP error: an unknown target is a 400.
  const tarBody = execFileSync('tar', ['-C', ctxDir, '-cf', '-', '.']);
  const raw = await api(e.daemon.socket, 'POST', '/v1.41/build?target=nope', tarBody, { 'Content-Type': 'application/x-tar' });
  expect(raw.status).toBe(400);
  expect(raw.json()).toEqual({ message: 'failed to reach build target nope in Dockerfile' });
});

test('dockerode buildImage streams the same protocol; aux carries the image id', async () => {
  const stream = await client.buildImage({ context: ctxDir, src: ['Dockerfile', 'f.txt', 'sub/s.txt'] }, { t: 'built:dockerode', target: 'base', buildargs: { GREETING: 'dode' } });
  const out: Record<string, unknown>[] = await new Promise((resolve, reject) => client.modem.followProgress(stream, (err, res) => (err ? reject(err) : resolve(res))));
  const aux = out.find((m) => m.aux) as { aux: { ID: string } } | undefined;
  expect(aux?.aux.ID).toMatch(/^sha256:/);
  expect(out.some((m) => m.stream === 'Successfully tagged built:dockerode\n')).toBe(true);
  expect(await e.ok(['run', '--rm', 'built:dockerode'])).toBe('dode');
});

test('docker-compose 1.29 `build:` (docker-py\'s classic build) builds the service image with its args', async () => {
  const project = join(e.daemon.dir, 'compose-build');
  mkdirSync(join(project, 'app'), { recursive: true });
  writeFileSync(join(project, 'docker-compose.yml'), 'version: "3.8"\nservices:\n  web:\n    build:\n      context: ./app\n      args:\n        MSG: composed\n    image: composed-web:latest\n');
  writeFileSync(join(project, 'app', 'Dockerfile'), `FROM ${BUSYBOX}\nARG MSG\nRUN echo $MSG > /msg\nCMD ["cat", "/msg"]\n`);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DOCKER_HOST: e.daemon.dockerHost, HOME: e.daemon.dir };
  const out = execFileSync(process.env.DOCKER_COMPOSE ?? '/usr/bin/docker-compose', ['build'], { cwd: project, env, encoding: 'utf8', timeout: 120_000 });
  expect(out).toContain('Successfully tagged composed-web:latest');
  expect(await e.ok(['run', '--rm', 'composed-web:latest'])).toBe('composed');
});

test('system df lists the cached steps as BuildCache; POST /build/prune forgets them and frees what only the cache held', async () => {
  const df = (await api(e.daemon.socket, 'GET', '/v1.41/system/df')).json() as { BuildCache: Record<string, unknown>[]; BuilderSize: number };
  expect(df.BuildCache.length).toBeGreaterThan(5);
  expect(df.BuildCache[0]).toEqual(expect.objectContaining({
    ID: expect.any(String), Type: 'regular', Description: expect.any(String), InUse: false, Shared: expect.any(Boolean),
    Size: expect.any(Number), CreatedAt: expect.any(String), LastUsedAt: expect.any(String), UsageCount: expect.any(Number),
  }));
  expect(df.BuilderSize).toBe(df.BuildCache.reduce((n, r) => n + (r.Size as number), 0));
  await e.ok(['rmi', 'built:dockerode']);
  const r = await api(e.daemon.socket, 'POST', '/v1.41/build/prune');
  expect(r.status).toBe(200);
  const body = r.json() as { CachesDeleted: string[]; SpaceReclaimed: number };
  expect(body.CachesDeleted.length).toBeGreaterThan(0);
  expect(body.SpaceReclaimed).toBeGreaterThanOrEqual(0);
  // The tagged images stay and still run.
  expect(await e.ok(['run', '--rm', 'built:final'])).toBe('hey');
  const v2 = await api(e.daemon.socket, 'POST', '/v1.41/build?version=2', '');
  expect(v2.status).toBe(501);
  expect(v2.json()).toEqual({ message: expect.stringContaining('DOCKER_BUILDKIT=0') });
});
