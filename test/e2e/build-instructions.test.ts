/**
 * `docker build` instructions beyond the basics (issue 14, item 1), with the docker CLI (DOCKER_BUILDKIT=0):
 * ADD of a local tar, COPY globs and --chown by name, SHELL, HEALTHCHECK/STOPSIGNAL/VOLUME in the config,
 * ONBUILD triggers run in a child build, FROM scratch, `-f` outside the context and a gzip context, the
 * events of a RUN step, and a build cache that survives a daemon restart.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let root: string;
const CLASSIC = { DOCKER_BUILDKIT: '0' };

beforeAll(async () => {
  e = await startE2E();
  root = join(e.daemon.dir, 'builds');
});
afterAll(async () => { await e?.dispose(); });

/** A context directory with these files; returns its path. */
function context(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const build = async (args: string[]) => {
  const r = await e.docker(['build', ...args], { env: CLASSIC, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`docker build ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}\n${e.daemon.output().slice(-2000)}`);
  return r.stdout;
};
const inspect = async (image: string, format: string) => e.ok(['image', 'inspect', image, '--format', format]);

test('ADD unpacks a local tar; COPY takes globs and --chown by name; SHELL changes RUN\'s shell', async () => {
  const dir = context('files', {
    Dockerfile: [
      `FROM ${BUSYBOX}`,
      'ADD bundle.tar /opt/',
      'COPY --chown=app:app *.conf /etc/app/',
      'SHELL ["/bin/sh", "-ec"]',
      'RUN echo "$0 $-" > /shell',
      'CMD ["sh", "-c", "ls /opt/bundle; stat -c %U:%G /etc/app/a.conf; ls /etc/app; cat /shell"]',
    ].join('\n'),
    'a.conf': 'a', 'b.conf': 'b', 'other.txt': 'x',
  });
  mkdirSync(join(dir, 'bundle'), { recursive: true });
  writeFileSync(join(dir, 'bundle', 'inside.txt'), 'inside');
  execFileSync('tar', ['-C', dir, '-cf', join(dir, 'bundle.tar'), 'bundle']);
  await build(['-t', 'files:1', dir]);
  const out = (await e.ok(['run', '--rm', 'files:1'])).split('\n');
  expect(out).toEqual(['inside.txt', 'app:app', 'a.conf', 'b.conf', expect.stringMatching(/^\/bin\/sh .*e/)]);
});

test('metadata instructions land in the image config, each as an empty layer in history', async () => {
  const dir = context('meta', {
    Dockerfile: [
      `FROM ${BUSYBOX}`,
      'HEALTHCHECK --interval=5s --retries=2 CMD true',
      'STOPSIGNAL SIGUSR1',
      'VOLUME /data',
      'ENTRYPOINT ["echo"]',
      'CMD ["hi"]',
      'ONBUILD RUN echo triggered > /onbuild',
    ].join('\n'),
  });
  await build(['-t', 'meta:1', dir]);
  const cfg = JSON.parse(await inspect('meta:1', '{{json .Config}}'));
  expect(cfg).toMatchObject({
    Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 }, StopSignal: 'SIGUSR1', Volumes: { '/data': {} },
    Entrypoint: ['echo'], Cmd: ['hi'], OnBuild: ['RUN echo triggered > /onbuild'],
  });
  expect(await e.ok(['run', '--rm', 'meta:1'])).toBe('hi');
  // The layers are the base image's only: every step above was metadata.
  expect(await inspect('meta:1', '{{len .RootFS.Layers}}')).toBe('1');
  // A child of an image with ONBUILD runs the trigger right after FROM, and keeps no trigger itself.
  const child = context('child', { Dockerfile: 'FROM meta:1\nCMD ["/onbuild"]\n' });
  const stdout = await build(['-t', 'child:1', child]);
  expect(stdout).toContain('# Executing 1 build trigger');
  expect(await e.ok(['run', '--rm', '--entrypoint', 'cat', 'child:1', '/onbuild'])).toBe('triggered');
  expect(await inspect('child:1', '{{json .Config.OnBuild}}')).toMatch(/^(null|\[\])$/);
});

test('FROM scratch with a COPY; ARG before FROM; -f outside the context; a gzip context', async () => {
  const dir = context('scratch', { Dockerfile: 'ARG NAME=file\nFROM scratch\nARG NAME\nCOPY $NAME.txt /\n', 'file.txt': 'data' });
  const scratchOut = await build(['-q', '-t', 'scratch:1', dir]);
  expect(scratchOut.trim()).toMatch(/^sha256:/);
  expect(await inspect('scratch:1', '{{len .RootFS.Layers}}')).toBe('1');
  const outside = join(root, 'elsewhere.Dockerfile');
  writeFileSync(outside, `FROM ${BUSYBOX}\nCOPY file.txt /f\nCMD ["cat", "/f"]\n`);
  await build(['-t', 'outside:1', '-f', outside, dir]);
  expect(await e.ok(['run', '--rm', 'outside:1'])).toBe('data');
  await build(['--compress', '-t', 'outside:2', '-f', outside, dir]);
  expect(await e.ok(['run', '--rm', 'outside:2'])).toBe('data');
});

test('a RUN step is a container of the engine: create, start, die, destroy events; the tag is an image event', async () => {
  const dir = context('events', { Dockerfile: `FROM ${BUSYBOX}\nRUN echo evented\n` });
  const since = Math.floor(Date.now() / 1000) - 1;
  await build(['--no-cache', '-t', 'events:1', dir]);
  const until = Math.floor(Date.now() / 1000) + 1;
  const r = await api(e.daemon.socket, 'GET', `/v1.41/events?since=${since}&until=${until}`);
  const events = r.text.trim().split('\n').map((l) => JSON.parse(l) as { Type: string; Action: string; Actor: { Attributes: Record<string, string> } });
  expect(events.filter((ev) => ev.Type === 'container').map((ev) => ev.Action)).toEqual(expect.arrayContaining(['create', 'start', 'die', 'destroy']));
  expect(events.some((ev) => ev.Type === 'image' && ev.Action === 'tag' && ev.Actor.Attributes.name === 'events:1')).toBe(true);
  // --rm (the default) left no container behind.
  expect(await e.ok(['ps', '-aq', '--filter', 'status=exited'])).toBe('');
  // `_ping` says `Builder-Version: 1`, so a plain `docker build` (no DOCKER_BUILDKIT=0) takes the classic path too.
  const plain = await e.docker(['build', '-q', dir], { timeoutMs: 120_000 });
  expect([plain.code, plain.stdout.trim()]).toEqual([0, expect.stringMatching(/^sha256:/)]);
});

test('the build cache survives a daemon restart: every step a hit, the same image id', async () => {
  const dir = context('restart', { Dockerfile: `FROM ${BUSYBOX}\nRUN echo kept > /k\nCOPY f /f\nCMD ["cat", "/k"]\n`, f: 'f' });
  await build(['-t', 'restart:1', dir]);
  const id = await inspect('restart:1', '{{.Id}}');
  await e.daemon.restart();
  const stdout = await build(['-t', 'restart:1', dir]);
  expect(stdout.split('\n').filter((l) => l === ' ---> Using cache')).toHaveLength(3);
  expect(await inspect('restart:1', '{{.Id}}')).toBe(id);
  expect(await e.ok(['run', '--rm', 'restart:1'])).toBe('kept');
  const df = await api(e.daemon.socket, 'POST', '/v1.41/build/prune?all=1&filters=%7B%22until%22%3A%5B%2210m%22%5D%7D');
  expect(df.json()).toEqual({ CachesDeleted: [], SpaceReclaimed: 0 });
});

test('a context\'s symlinks resolve inside it: COPY and the Dockerfile never read a file of the host', async () => {
  const dir = context('symlinks', { Dockerfile: `FROM ${BUSYBOX}\nCOPY link/hostname /h\n`, 'etc/hostname': 'from-the-context\n' });
  execFileSync('ln', ['-s', '/etc', join(dir, 'link')]);
  await build(['-t', 'symlinks:1', dir]);
  // `link -> /etc` is the context's own etc/, not the host's.
  expect(await e.ok(['run', '--rm', 'symlinks:1', 'cat', '/h'])).toBe('from-the-context');
  // The API's `dockerfile` names a file in the context: through the link it is the context's etc/passwd (none).
  const tarBody = execFileSync('tar', ['-C', dir, '-cf', '-', '.']);
  const viaLink = await api(e.daemon.socket, 'POST', '/v1.41/build?dockerfile=link/passwd', tarBody, { 'Content-Type': 'application/x-tar' });
  expect([viaLink.status, viaLink.json()]).toEqual([400, { message: 'Cannot locate specified Dockerfile: link/passwd' }]);
  const garbage = await api(e.daemon.socket, 'POST', '/v1.41/build', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), { 'Content-Type': 'application/x-tar' });
  expect(garbage.status).toBe(400);
});
