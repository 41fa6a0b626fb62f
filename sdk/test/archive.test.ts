import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { extractTar, packPath, resolveInRoot, statHostPath } from '../src/archive';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-archive-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tarOf(entries: { name: string; type?: 'file' | 'symlink' | 'directory'; body?: string; linkname?: string }[]): Readable {
  const p = pack();
  for (const e of entries) {
    if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else if (e.type === 'directory') p.entry({ name: e.name, type: 'directory' });
    else p.entry({ name: e.name }, e.body ?? '');
  }
  p.finalize();
  return Readable.from(p as unknown as AsyncIterable<Buffer>);
}

test('a directory tree packs and extracts back, with links and modes', async () => {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'sub', 'f.txt'), 'content', { mode: 0o640 });
  symlinkSync('sub/f.txt', join(src, 'link'));
  const dest = join(dir, 'dest');
  mkdirSync(dest);
  await extractTar(packPath(src, 'copy'), dest);
  expect(readFileSync(join(dest, 'copy', 'sub', 'f.txt'), 'utf8')).toBe('content');
  expect(lstatSync(join(dest, 'copy', 'sub', 'f.txt')).mode & 0o777).toBe(0o640);
  expect(readlinkSync(join(dest, 'copy', 'link'))).toBe('sub/f.txt');
});

test('stat gives Go FileMode bits for dirs and links', async () => {
  mkdirSync(join(dir, 'd'), { mode: 0o755 });
  symlinkSync('/etc/passwd', join(dir, 'l'));
  const d = await statHostPath(join(dir, 'd'), 'd');
  expect(d.mode).toBe(2 ** 31 + 0o755);
  const l = await statHostPath(join(dir, 'l'), 'l');
  expect(l.mode & 2 ** 27).toBeTruthy();
  expect(l.linkTarget).toBe('/etc/passwd');
  await expect(statHostPath(join(dir, 'missing'), 'missing')).rejects.toMatchObject({ code: 'ENOENT' });
});

test('symlinks resolve inside the root, never outside it', async () => {
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  symlinkSync('/etc', join(root, 'abs'));
  symlinkSync('../../../../..', join(root, 'up'));
  expect(await resolveInRoot(root, '/abs/passwd')).toBe(join(root, 'etc', 'passwd'));
  expect(await resolveInRoot(root, '/up/etc/x')).toBe(join(root, 'etc', 'x'));
  expect(await resolveInRoot(root, '../../etc')).toBe(join(root, 'etc'));
  expect(await resolveInRoot(root, '/abs')).toBe(join(root, 'abs'));
});

test('tar entries that try to escape are refused or kept inside', async () => {
  const dest = join(dir, 'dest');
  mkdirSync(dest);
  await expect(extractTar(tarOf([{ name: '../escaped', body: 'x' }]), dest)).rejects.toThrow('invalid tar entry ../escaped: outside the extraction point');
  expect(existsSync(join(dir, 'escaped'))).toBe(false);
  // A link planted by one entry must not redirect a later one outside the root.
  await extractTar(tarOf([{ name: 'evil', type: 'symlink', linkname: '/' + dir }, { name: 'evil/planted', body: 'x' }]), dest);
  expect(existsSync(join(dir, 'planted'))).toBe(false);
  expect(readFileSync(join(dest, dir, 'planted'), 'utf8')).toBe('x');
});

test('noOverwriteDirNonDir refuses replacing a directory by a file', async () => {
  const dest = join(dir, 'dest');
  mkdirSync(join(dest, 'thing'), { recursive: true });
  await expect(extractTar(tarOf([{ name: 'thing', body: 'x' }]), dest, { noOverwriteDirNonDir: true })).rejects.toThrow('cannot overwrite directory "/thing" with non-directory "/thing"');
});
