import { createReadStream, existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { buildBusyboxRootfsTar } from '../../../test/support/images';
import { formatErrors, validateAgainstSpec, validateResponse } from '../../../core/test/support/spec-schema';
import { collect, makeHarness, type Harness } from './fakes';

let h: Harness;
let rootfsTar: string;
beforeAll(async () => {
  h = await makeHarness();
  rootfsTar = await buildBusyboxRootfsTar(join(h.home, 'build'));
});
afterAll(() => h.dispose());

const importBusybox = (repo = 'busybox', tag?: string, changes = ['CMD ["/bin/sh"]', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin']) =>
  h.images.importRootfs(createReadStream(rootfsTar), { repo, tag, changes });

describe('import and resolve', () => {
  test('an imported busybox tar becomes a one-layer image with its changes and an unpacked rootfs', async () => {
    const rec = await importBusybox();
    expect(rec.id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(rec.repoTags).toEqual(['busybox:latest']);
    expect(rec.layers).toHaveLength(1);
    expect(rec.config.config).toEqual({ Cmd: ['/bin/sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] });
    expect(rec.config.history?.[0].comment).toBe('Imported from -');
    const root = h.images.rootfsPath(rec.id)!;
    expect(statSync(join(root, 'bin/busybox')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(root, 'bin/sh'))).toBe('busybox');
    expect(statSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(root, 'home/app')).uid).toBe(process.getuid!() === 0 ? 1000 : process.getuid!());
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toContain('app:x:1000:1000');
    expect(h.events.emitted.slice(-2).map((e) => [e.Action, e.Actor.Attributes.name])).toEqual([['import', rec.id], ['tag', 'busybox:latest']]);
  });

  test('resolve answers every reference form Docker accepts', async () => {
    const id = h.images.resolve('busybox').id;
    const hex = id.slice(7);
    for (const ref of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', 'library/busybox', 'index.docker.io/library/busybox', id, hex, hex.slice(0, 12), `sha256:${hex.slice(0, 8)}`]) {
      expect(h.images.resolve(ref).id).toBe(id);
    }
    const summary = h.images.resolve('busybox');
    expect(summary.rootfs).toBe(h.images.rootfsPath(id));
    expect(summary.record.config.config?.Cmd).toEqual(['/bin/sh']);
  });

  test('a missing image is Docker\'s 404 wording, with :latest added', () => {
    expect(() => h.images.resolve('nosuch')).toThrow('No such image: nosuch:latest');
    expect(() => h.images.resolve('me/app:1')).toThrow('No such image: me/app:1');
    expect(() => h.images.resolve('docker.io/library/alpine')).toThrow('No such image: alpine:latest');
    expect(() => h.images.resolve('Upper')).toThrow('No such image: Upper');
    try { h.images.resolve('nosuch'); } catch (err) { expect((err as { code: string }).code).toBe('NotFound'); }
  });

  test('registry-qualified names keep their host in RepoTags', async () => {
    await h.images.tag('busybox', '127.0.0.1:5000/bb', 'v1');
    expect(h.images.resolve('127.0.0.1:5000/bb:v1').repoTags).toContain('127.0.0.1:5000/bb:v1');
    expect(() => h.images.resolve('127.0.0.1:5000/bb')).toThrow('No such image: 127.0.0.1:5000/bb:latest');
  });

  test('an import with an invalid change is refused before the body is read', async () => {
    await expect(h.images.importRootfs(Readable.from([]), { repo: 'x', changes: ['FROB 1'] })).rejects.toThrow('frob is not a valid change command');
    await expect(h.images.importRootfs(Readable.from([]), { repo: 'Bad Name' })).rejects.toThrow('invalid reference format');
  });

  test('records survive a restart (a second service on the same store and home)', async () => {
    const again = await h.restart();
    const id = h.images.resolve('busybox').id;
    expect(again.resolve('busybox:latest').id).toBe(id);
    expect(again.rootfsPath(id)).toBe(h.images.rootfsPath(id));
  });
});

describe('Docker wire shapes', () => {
  test('list, inspect and history validate against the v1.56 spec', () => {
    const list = h.images.list();
    expect(formatErrors(validateResponse('/images/json', 'get', 200, list))).toBe('');
    const entry = list.find((i) => i.RepoTags.includes('busybox:latest'))!;
    expect(entry).toMatchObject({ ParentId: '', Containers: -1 });
    expect(entry.Size).toBeGreaterThan(500_000);
    const inspect = h.images.inspect('busybox');
    expect(formatErrors(validateAgainstSpec('ImageInspect', inspect))).toBe('');
    expect(inspect).toMatchObject({ Os: 'linux', RootFS: { Type: 'layers' }, Config: { Cmd: ['/bin/sh'] } });
    const history = h.images.history('busybox');
    expect(formatErrors(validateResponse('/images/{name}/history', 'get', 200, history))).toBe('');
    expect(history[0]).toMatchObject({ Id: entry.Id, Comment: 'Imported from -' });
  });

  test('list filters: reference, dangling, label, before/since', async () => {
    const labelled = await importBusybox('labelled', 'one', ['LABEL team=core tier="back end"', 'CMD ["sh"]']);
    expect(labelled.config.config?.Labels).toEqual({ team: 'core', tier: 'back end' });
    const f = (o: Record<string, string[]>) => h.images.list({ filters: new Map(Object.entries(o)) });
    expect(f({ reference: ['labelled'] }).map((i) => i.RepoTags)).toEqual([['labelled:one']]);
    expect(f({ reference: ['busy*'] })[0].RepoTags).toEqual(['busybox:latest']);
    expect(f({ label: ['team=core'] }).map((i) => i.Id)).toEqual([labelled.id]);
    expect(f({ dangling: ['true'] })).toEqual([]);
    expect(f({ before: ['labelled:one'] }).map((i) => i.Id)).not.toContain(labelled.id);
  });
});

describe('tag, untag, remove', () => {
  test('removing a reference used by a container needs force; force only untags', async () => {
    const rec = await importBusybox('inuse', '1');
    h.users.set(rec.id, ['c'.repeat(64)]);
    await expect(h.images.remove('inuse:1')).rejects.toThrow(`conflict: unable to remove repository reference "inuse:1" (must force) - container cccccccccccc is using its referenced image ${rec.id.slice(7, 19)}`);
    expect(await h.images.remove('inuse:1', { force: true })).toEqual([{ Untagged: 'inuse:1' }]);
    expect(h.images.resolve(rec.id).repoTags).toEqual([]);
    await expect(h.images.remove(rec.id)).rejects.toThrow('must be forced');
    h.users.delete(rec.id);
  });

  test('an image with two tags: removing one only untags; the last one deletes it, its rootfs stays for the images with the same layers', async () => {
    const rec = await importBusybox('twotags', 'a', ['CMD ["echo", "two"]']);
    await h.images.tag('twotags:a', 'twotags', 'b');
    await expect(h.images.remove(rec.id.slice(7, 19))).rejects.toThrow('image is referenced in multiple repositories');
    expect(await h.images.remove('twotags:a')).toEqual([{ Untagged: 'twotags:a' }]);
    const root = h.images.rootfsPath(rec.id)!;
    const result = await h.images.remove('twotags:b');
    expect(result).toEqual([{ Untagged: 'twotags:b' }, { Deleted: rec.id }]);
    for (const item of result) expect(formatErrors(validateAgainstSpec('ImageDeleteResponseItem', item))).toBe('');
    // Images that differ only in config share one unpacked rootfs (busybox's layer chain): it stays.
    expect(existsSync(root)).toBe(true);
    expect(() => h.images.resolve(rec.id)).toThrow('No such image');
    // The shared busybox layer blob is still used by other images.
    expect(h.images.blobs.has(rec.layers[0])).toBe(true);
    expect(h.events.actions()).toEqual(expect.arrayContaining(['untag', 'delete']));
  });

  test('tagging over an existing tag moves it; the old image goes dangling and prune removes it', async () => {
    const a = await importBusybox('moving', 'x', ['CMD ["a"]']);
    const b = await importBusybox('moving', 'x', ['CMD ["b"]']);
    expect(h.images.resolve('moving:x').id).toBe(b.id);
    expect(h.images.resolve(a.id).repoTags).toEqual([]);
    const dangling = h.images.list({ filters: new Map([['dangling', ['true']]]) }).map((i) => i.Id);
    expect(dangling).toContain(a.id);
    const pruned = await h.images.prune();
    expect(formatErrors(validateResponse('/images/prune', 'post', 200, pruned))).toBe('');
    expect(pruned.ImagesDeleted).toContainEqual({ Deleted: a.id });
    expect(pruned.SpaceReclaimed).toBeGreaterThan(0);
    expect(h.images.resolve('moving:x').id).toBe(b.id);
  });

  test('tag rejects bad names with Docker\'s 400', async () => {
    await expect(h.images.tag('busybox', 'UPPER')).rejects.toThrow('must be lowercase');
    await expect(h.images.tag('nosuch', 'x')).rejects.toThrow('No such image: nosuch:latest');
  });
});

describe('save and load', () => {
  test('save writes manifest.json, repositories and an OCI layout; load restores tags and content', async () => {
    const rec = await importBusybox('roundtrip', '1', ['CMD ["echo", "rt"]', 'WORKDIR /tmp']);
    const bytes = await collect(h.images.saveArchive(['roundtrip:1']));
    const files = await tarFiles(bytes);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toEqual([{ Config: `blobs/sha256/${rec.id.slice(7)}`, RepoTags: ['roundtrip:1'], Layers: [`blobs/sha256/${rec.layers[0].slice(7)}`] }]);
    expect(JSON.parse(files.get('repositories')!.toString())).toEqual({ roundtrip: { '1': rec.layers[0].slice(7) } });
    expect(files.has('index.json') && files.has('oci-layout')).toBe(true);

    const other = await makeHarness();
    try {
      const lines: Record<string, unknown>[] = [];
      const loaded = await other.images.loadArchive(Readable.from([bytes]), (l) => lines.push(l));
      expect(lines).toEqual([{ stream: 'Loaded image: roundtrip:1\n' }]);
      expect(loaded[0].id).toBe(rec.id);
      expect(other.images.inspect('roundtrip:1')).toMatchObject({ Id: rec.id, Config: { Cmd: ['echo', 'rt'], WorkingDir: '/tmp' } });
      expect(lstatSync(join(other.images.rootfsPath(rec.id)!, 'bin/busybox')).size).toBe(statSync('/bin/busybox').size);
      expect(other.events.actions()).toContain('load');
    } finally {
      other.dispose();
    }
  });

  test('saving by id writes no tags; loading that gives "Loaded image ID"', async () => {
    const id = h.images.resolve('busybox').id;
    const bytes = await collect(h.images.saveArchive([id]));
    const other = await makeHarness();
    try {
      const lines: Record<string, unknown>[] = [];
      await other.images.loadArchive(Readable.from([bytes]), (l) => lines.push(l));
      expect(lines).toEqual([{ stream: `Loaded image ID: ${id}\n` }]);
    } finally {
      other.dispose();
    }
  });

  test('load refuses a tar without manifest.json or index.json, and a layer whose diff_id does not match', async () => {
    const other = await makeHarness();
    try {
      const empty = await packTar([{ name: 'hello.txt', content: 'hi' }]);
      await expect(other.images.loadArchive(Readable.from([empty]), () => undefined)).rejects.toThrow('neither manifest.json');
      const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] } });
      const bad = await packTar([
        { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['bad:1'], Layers: ['l/layer.tar'] }]) },
        { name: 'c.json', content: config },
        { name: 'l/layer.tar', content: await packTar([{ name: 'a', content: 'a' }]) },
      ]);
      await expect(other.images.loadArchive(Readable.from([bad]), () => undefined)).rejects.toThrow("diffID mismatch");
    } finally {
      other.dispose();
    }
  });
});

describe('edge cases', () => {
  test('an image without layers (config only) has no rootfs', async () => {
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['true'] }, rootfs: { type: 'layers', diff_ids: [] } });
    const archive = await packTar([
      { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['empty:1'], Layers: [] }]) },
      { name: 'c.json', content: config },
    ]);
    const [rec] = await h.images.loadArchive(Readable.from([archive]), () => undefined);
    expect(rec.hasLayers).toBe(false);
    expect(h.images.rootfsPath(rec.id)).toBeUndefined();
    expect(h.images.resolve('empty:1').rootfs).toBeUndefined();
    expect(formatErrors(validateAgainstSpec('ImageInspect', h.images.inspect('empty:1')))).toBe('');
  });

  test('zstd layers are refused with a clear message; gzip ones are accepted', async () => {
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    await expect(h.images.importRootfs(Readable.from([zstd]), { repo: 'zstd' })).rejects.toThrow('zstd-compressed layers are not supported');
    const { gzipSync } = await import('node:zlib');
    const rec = await h.images.importRootfs(Readable.from([gzipSync(readFileSync(rootfsTar))]), { repo: 'gz' });
    expect(rec.layers).toEqual(h.images.resolve('busybox').record.layers);
  });

  test('docker save of a bare repository name writes all its tags', async () => {
    await importBusybox('multi', 'a');
    await h.images.tag('multi:a', 'multi', 'b');
    const files = await tarFiles(await collect(h.images.saveArchive(['multi'])));
    expect(JSON.parse(files.get('manifest.json')!.toString())[0].RepoTags.sort()).toEqual(['multi:a', 'multi:b']);
  });
});

async function tarFiles(bytes: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  Readable.from([bytes]).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) out.set(entry.header.name, await collect(entry as AsyncIterable<Buffer>));
  return out;
}

async function packTar(entries: { name: string; content: string | Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name }, Buffer.from(e.content));
  pack.finalize();
  return collect(pack as AsyncIterable<Buffer>);
}
