import { createReadStream, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxRootfsTar } from '../../../test/support/images';
import { makeHarness, type Harness } from './fakes';

let h: Harness;
beforeEach(async () => { h = await makeHarness('sockerless-image-rebuild-'); });
afterEach(() => h.dispose());

/** Empties the state store as a deleted or torn state.db would, leaving the home's blobs in place. */
function loseTheStore(): void {
  for (const rec of h.store.loadAll('image')) h.store.delete('image', rec.id);
}

test('a store that lost its image records gets them back from the blobs, with their tags', async () => {
  const tar = await buildBusyboxRootfsTar(join(h.home, 'build'));
  const rec = await h.images.importRootfs(createReadStream(tar), { repo: 'busybox', changes: ['CMD ["/bin/sh"]'] });
  await h.images.tag('busybox', 'mine/bb', 'v1');
  await h.images.tag('busybox', 'gone', 'v1');
  await h.images.remove('gone:v1'); // untags only: the image has other tags
  loseTheStore();
  const images = await h.restart();
  const back = images.resolve('busybox:latest');
  expect(back.id).toBe(rec.id);
  expect(back.record.repoTags.sort()).toEqual(['busybox:latest', 'mine/bb:v1']);
  expect(back.record.config.config?.Cmd).toEqual(['/bin/sh']);
  expect(back.rootfs && existsSync(join(back.rootfs, 'bin/busybox'))).toBe(true);
  expect(h.store.loadAll('image').map((r) => r.id)).toEqual([rec.id]); // durable again
});

test('without a repositories file the rebuilt image is kept untagged, never dropped', async () => {
  const tar = await buildBusyboxRootfsTar(join(h.home, 'build'));
  const rec = await h.images.importRootfs(createReadStream(tar), { repo: 'busybox' });
  loseTheStore();
  rmSync(join(h.home, 'images', 'repositories.json'));
  const images = await h.restart();
  expect(images.resolve(rec.id).record.repoTags).toEqual([]);
});

test('an image removed is not rebuilt', async () => {
  const tar = await buildBusyboxRootfsTar(join(h.home, 'build'));
  await h.images.importRootfs(createReadStream(tar), { repo: 'busybox' });
  await h.images.remove('busybox');
  const images = await h.restart();
  expect(images.list()).toEqual([]);
});

test('an image whose record lost its tags (the tagging write dropped) gets them back', async () => {
  const tar = await buildBusyboxRootfsTar(join(h.home, 'build'));
  const rec = await h.images.importRootfs(createReadStream(tar), { repo: 'busybox' });
  h.store.put('image', { ...h.store.loadAll('image')[0], repoTags: [] });
  const images = await h.restart();
  expect(images.resolve('busybox:latest').id).toBe(rec.id);
});
