/** makeHomePrivate on a new home and on one made before homes were private (0755 dirs, 0644 files). */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHomePrivate } from '../../src/host/private-home';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'private-home-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o7777;

test('a new home is 0710 with the core dirs 0700', () => {
  const home = join(dir, 'a', 'home');
  makeHomePrivate(home);
  expect(mode(home)).toBe(0o710);
  for (const d of ['containers', 'volumes', 'images', 'backends', 'plugins']) expect({ d, mode: mode(join(home, d)) }).toEqual({ d, mode: 0o700 });
});

test('an old home is tightened: dirs 0700, files 0600, deeper entries, sockets and symlinks as they were', async () => {
  const home = join(dir, 'home');
  mkdirSync(join(home, 'backends', 'local', 'containers'), { recursive: true, mode: 0o755 });
  chmodSync(home, 0o755);
  for (const f of ['state.db', 'state.db-wal', 'state.db-shm']) writeFileSync(join(home, f), '', { mode: 0o644 });
  writeFileSync(join(home, 'backends', 'local', 'deep.json'), '{}', { mode: 0o644 });
  const outside = join(dir, 'outside');
  writeFileSync(outside, '', { mode: 0o644 });
  symlinkSync(outside, join(home, 'link'));
  const server = createServer();
  await new Promise<void>((r) => server.listen(join(home, 'docker.sock'), r));
  chmodSync(join(home, 'docker.sock'), 0o660);
  try {
    makeHomePrivate(home);
    expect(mode(home)).toBe(0o710);
    expect(mode(join(home, 'backends'))).toBe(0o700);
    for (const f of ['state.db', 'state.db-wal', 'state.db-shm']) expect({ f, mode: mode(join(home, f)) }).toEqual({ f, mode: 0o600 });
    // Unreachable for others once the home is closed; kept as made (a container root needs its own modes).
    expect(mode(join(home, 'backends', 'local'))).toBe(0o755);
    expect(mode(join(home, 'backends', 'local', 'deep.json'))).toBe(0o644);
    expect(mode(join(home, 'docker.sock'))).toBe(0o660);
    expect(lstatSync(join(home, 'link')).isSymbolicLink()).toBe(true);
    expect(mode(outside)).toBe(0o644);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  expect(existsSync(join(home, 'containers'))).toBe(true);
});
