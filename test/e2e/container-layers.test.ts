/**
 * `docker diff`, `docker export` and `docker commit` (issue 14, item 2) with the real CLI and dockerode,
 * against backend-local's overlay: adds, changes and deletes with Docker's kinds (a deleted file is a
 * whiteout, a directory removed and made again is opaque), the whole filesystem as a tar, and a new image
 * whose layer carries the same adds and deletes, with the changes, author and message asked for.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { api } from '../support/raw-http';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';

let e: E2E;
let client: Docker;
const WRITER = 'mkdir /newdir && echo hi > /newdir/f && rm /bin/ls && touch /etc/passwd && rm -rf /home && mkdir /home && touch /home/fresh';
beforeAll(async () => {
  e = await startE2E();
  client = new Docker({ socketPath: e.daemon.socket });
  await e.ok(['run', '--name', 'writer', BUSYBOX, 'sh', '-c', WRITER]);
});
afterAll(async () => { await e?.dispose(); });

const call = (method: string, path: string, body?: object) => api(e.daemon.socket, method, path, body === undefined ? undefined : JSON.stringify(body));

test('docker diff lists adds (A), changes (C) and deletes (D), parents included; the daemon\'s own files are not changes', async () => {
  const lines = (await e.ok(['diff', 'writer'])).split('\n');
  expect(lines).toEqual([
    'C /bin', 'D /bin/ls', 'C /etc', 'C /etc/passwd', 'C /home', 'D /home/app', 'A /home/fresh', 'A /newdir', 'A /newdir/f',
  ]);
  const r = await call('GET', '/v1.41/containers/writer/changes');
  expect(r.json()).toEqual(expect.arrayContaining([{ Path: '/bin/ls', Kind: 2 }, { Path: '/newdir', Kind: 1 }, { Path: '/etc/passwd', Kind: 0 }]));
  // A container that changed nothing: null, as dockerd answers.
  const quiet = await e.ok(['create', BUSYBOX, 'true']);
  expect((await call('GET', `/v1.41/containers/${quiet}/changes`)).text).toBe('null');
  expect(await e.ok(['diff', quiet])).toBe('');
  expect((await call('GET', '/v1.41/containers/no-such/changes')).status).toBe(404);
  await e.ok(['rm', quiet]);
});

test('docker export writes the whole filesystem as a tar, names relative to its root', async () => {
  const out = join(e.daemon.dir, 'writer-export.tar');
  await e.ok(['export', '-o', out, 'writer']);
  const names = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).split('\n').filter(Boolean);
  expect(names).toEqual(expect.arrayContaining(['bin', 'bin/busybox', 'newdir', 'newdir/f', 'home/fresh', 'etc/passwd']));
  expect(names).not.toContain('bin/ls');
  expect(names).not.toContain('home/app');
  expect(names.some((n) => n.startsWith('/') || n.startsWith('./'))).toBe(false);
  expect(execFileSync('tar', ['-xOf', out, 'newdir/f'], { encoding: 'utf8' })).toBe('hi\n');
  // dockerode streams the same.
  const stream = await client.getContainer('writer').export();
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  expect(bytes).toBeGreaterThan(100_000);
});

test('docker commit: the container\'s adds and deletes, --change, author and message, in a new image', async () => {
  const id = await e.ok(['commit', '-a', 'Ann <ann@example.com>', '-m', 'made by a test', '-c', 'ENV ADDED=1', '-c', 'CMD ["sh", "-c", "echo from commit"]', 'writer', 'committed:v1']);
  expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(await e.ok(['run', '--rm', 'committed:v1'])).toBe('from commit');
  expect(await e.ok(['run', '--rm', 'committed:v1', 'sh', '-c', 'cat /newdir/f; ls /home; echo $ADDED; test -e /bin/ls || echo no-ls'])).toBe('hi\nfresh\n1\nno-ls');
  const inspect = JSON.parse(await e.ok(['image', 'inspect', 'committed:v1']))[0];
  expect(inspect).toMatchObject({ Author: 'Ann <ann@example.com>', Comment: 'made by a test' });
  expect(inspect.Config.Env).toEqual(expect.arrayContaining(['ADDED=1']));
  expect(inspect.Config.Labels?.['com.sockerless.pool']).toBeUndefined();
  expect(inspect.RootFS.Layers).toHaveLength(2);
  const history = await e.ok(['history', '--format', '{{.Comment}}', 'committed:v1']);
  expect(history.split('\n')[0]).toBe('made by a test');
  // A commit of a commit stacks one more layer.
  await e.ok(['run', '--name', 'writer2', 'committed:v1', 'sh', '-c', 'rm /newdir/f']);
  await e.ok(['commit', 'writer2', 'committed:v2']);
  expect(await e.ok(['run', '--rm', 'committed:v2', 'sh', '-c', 'ls -A /newdir; echo end'])).toBe('end');
});

test('dockerode commit with a config body and a running container; errors as dockerd', async () => {
  const running = await client.createContainer({ Image: BUSYBOX, Cmd: ['sh', '-c', 'echo live > /live; sleep 300'] });
  await running.start();
  await e.ok(['exec', running.id, 'sh', '-c', 'until [ -e /live ]; do sleep 0.05; done']);
  const res = await running.commit({ repo: 'from-dockerode', tag: 't1', comment: 'live', Cmd: ['cat', '/live'], Labels: { made: 'dockerode' } });
  expect(res.Id).toMatch(/^sha256:/);
  expect(await e.ok(['run', '--rm', 'from-dockerode:t1'])).toBe('live');
  expect(JSON.parse(await e.ok(['image', 'inspect', '-f', '{{json .Config.Labels}}', 'from-dockerode:t1']))).toEqual({ made: 'dockerode' });
  await running.remove({ force: true });
  const missing = await call('POST', '/v1.41/commit?container=no-such&repo=x');
  expect({ status: missing.status, body: missing.json() }).toEqual({ status: 404, body: { message: 'No such container: no-such' } });
  const badChange = await call('POST', '/v1.41/commit?container=writer&changes=FROB%20x');
  expect(badChange.status).toBe(400);
});
