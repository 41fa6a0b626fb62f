import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar, type TarEntry } from '../../../test/support/images';
import { safeRelativePath, unpackLayersAtomically } from '@sockerless/sdk/images';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-unpack-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const layer = (entries: TarEntry[]) => writeTar(join(dir, `layer-${n++}.tar`), entries);
const tree = (root: string, rel = ''): string[] =>
  readdirSync(join(root, rel)).sort().flatMap((name) => {
    const p = rel ? `${rel}/${name}` : name;
    return lstatSync(join(root, p)).isDirectory() ? [`${p}/`, ...tree(root, p)] : [p];
  });

test('whiteouts delete lower files and directories; an opaque marker empties a directory but keeps its own layer', async () => {
  const lower = await layer([
    { name: 'etc/' }, { name: 'etc/keep', content: 'k' }, { name: 'etc/gone', content: 'g' },
    { name: 'var/' }, { name: 'var/cache/' }, { name: 'var/cache/old/' }, { name: 'var/cache/old/x', content: 'x' }, { name: 'var/cache/a', content: 'a' },
    { name: 'opt/' }, { name: 'opt/tool/' }, { name: 'opt/tool/bin', content: 'b' },
  ]);
  const upper = await layer([
    { name: 'etc/.wh.gone', content: '' },
    { name: 'opt/.wh.tool', content: '' },
    // The new file comes before the marker in the tar: it belongs to this layer and must survive.
    { name: 'var/cache/new', content: 'n' },
    { name: 'var/cache/.wh..wh..opq', content: '' },
    { name: 'var/cache/later/' }, { name: 'var/cache/later/y', content: 'y' },
  ]);
  const root = join(dir, 'rootfs');
  await unpackLayersAtomically([lower, upper], root);
  expect(tree(root)).toEqual(['etc/', 'etc/keep', 'opt/', 'var/', 'var/cache/', 'var/cache/later/', 'var/cache/later/y', 'var/cache/new']);
});

test('modes, ownership, symlinks and hardlinks are preserved', async () => {
  const l = await layer([
    { name: 'bin/' },
    { name: 'bin/tool', content: '#!/bin/sh\n', mode: 0o4755 },
    { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
    { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
    { name: 'home/' }, { name: 'home/app/', uid: 1000, gid: 1000, mode: 0o700 },
    { name: 'home/app/f', content: 'f', uid: 1000, gid: 1000, mode: 0o600 },
  ]);
  const root = join(dir, 'rootfs');
  await unpackLayersAtomically([l], root);
  expect(statSync(join(root, 'bin/tool')).mode & 0o7777).toBe(0o4755);
  expect(lstatSync(join(root, 'bin/alias')).isSymbolicLink()).toBe(true);
  expect(statSync(join(root, 'bin/hard')).ino).toBe(statSync(join(root, 'bin/tool')).ino);
  if (process.getuid!() === 0) {
    expect(statSync(join(root, 'home/app')).uid).toBe(1000);
    expect(statSync(join(root, 'home/app/f')).gid).toBe(1000);
  }
  expect(statSync(join(root, 'home/app')).mode & 0o777).toBe(0o700);
});

test('a later layer replaces a file with a directory and follows an in-root symlinked parent', async () => {
  const lower = await layer([
    { name: 'usr/' }, { name: 'usr/lib/' },
    { name: 'lib', type: 'symlink', linkname: '/usr/lib' },
    { name: 'thing', content: 'file first' },
  ]);
  const upper = await layer([
    { name: 'lib/libx.so', content: 'x' },
    { name: 'thing/' }, { name: 'thing/inside', content: 'now a dir' },
  ]);
  const root = join(dir, 'rootfs');
  await unpackLayersAtomically([lower, upper], root);
  // `lib -> /usr/lib` is resolved inside the root, not on the host.
  expect(readFileSync(join(root, 'usr/lib/libx.so'), 'utf8')).toBe('x');
  expect(readFileSync(join(root, 'thing/inside'), 'utf8')).toBe('now a dir');
});

test('entries that climb out of the root are refused and leave no rootfs behind', async () => {
  const outside = join(dir, 'outside');
  for (const bad of [
    [{ name: '../outside', content: 'escape' }],
    [{ name: 'a/../../outside', content: 'escape' }],
    [{ name: 'x', content: 'x' }, { name: 'h', type: 'link', linkname: '../outside' }],
  ] as TarEntry[][]) {
    const root = join(dir, `rootfs-${n}`);
    await expect(unpackLayersAtomically([await layer(bad)], root)).rejects.toThrow(/outside the root/);
    expect(existsSync(root)).toBe(false);
    expect(existsSync(outside)).toBe(false);
  }
  expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
});

test('a symlink pointing at the host cannot be used to write through it', async () => {
  const hostDir = join(dir, 'host-target');
  const l = await layer([
    { name: 'evil', type: 'symlink', linkname: hostDir },
    { name: 'up', type: 'symlink', linkname: '../../../../../../..' + hostDir },
    { name: 'evil/pwned', content: 'no' },
    { name: 'up/pwned2', content: 'no' },
  ]);
  const root = join(dir, 'rootfs');
  await unpackLayersAtomically([l], root);
  expect(existsSync(hostDir)).toBe(false);
  // Both writes landed inside the root, at the path the link names when the root is `/`.
  expect(readFileSync(join(root, hostDir, 'pwned'), 'utf8')).toBe('no');
  expect(readFileSync(join(root, hostDir, 'pwned2'), 'utf8')).toBe('no');
});

test('a file over an existing symlink replaces the link instead of writing through it', async () => {
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'original');
  const lower = await layer([{ name: 'f', type: 'symlink', linkname: victim }]);
  const upper = await layer([{ name: 'f', content: 'replaced' }]);
  const root = join(dir, 'rootfs');
  await unpackLayersAtomically([lower, upper], root);
  expect(readFileSync(victim, 'utf8')).toBe('original');
  expect(readFileSync(join(root, 'f'), 'utf8')).toBe('replaced');
});

test('safeRelativePath keeps absolute names inside the root and refuses ..', () => {
  expect(safeRelativePath('/etc/passwd')).toBe('etc/passwd');
  expect(safeRelativePath('./a/./b/')).toBe('a/b');
  expect(safeRelativePath('./')).toBe('');
  expect(safeRelativePath('a/../b')).toBe('b');
  expect(() => safeRelativePath('..')).toThrow();
  expect(() => safeRelativePath('a/../../b')).toThrow();
});

test('whiteouts naming `.` or `..` are refused instead of deleting the parent or the rootfs dir itself', async () => {
  const sibling = join(dir, 'sibling');
  writeFileSync(sibling, 'keep');
  for (const name of ['.wh...', '.wh..', 'a/.wh...']) {
    const root = join(dir, `rootfs-${n}`);
    await expect(unpackLayersAtomically([await layer([{ name: 'a/f', content: 'x' }, { name, content: '' }])], root)).rejects.toThrow(/invalid whiteout/);
    expect(existsSync(root)).toBe(false);
  }
  expect(readFileSync(sibling, 'utf8')).toBe('keep');
});
