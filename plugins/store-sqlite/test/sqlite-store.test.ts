import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import Database from 'better-sqlite3';
import type { StoredEvent } from '@sockerless/sdk';
import { SqliteStateStore, MAX_EVENTS, TRIM_EVERY } from '../src/sqlite-store';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-sqlite-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ev = (timeNano: number, Action: string, ID = 'x'): StoredEvent => ({ timeNano, Type: 'container', Action, Actor: { ID, Attributes: { name: 'n' } } });

test('put, load, delete round trip, and the data survives close and reopen', () => {
  const file = join(dir, 'nested', 'dir', 'state.db'); // the directory is created on open
  const a = new SqliteStateStore(file);
  a.put('container', { id: 'c1', name: '/one', nested: { x: [1, 2] } });
  a.put('container', { id: 'c2', name: '/two' });
  a.put('container', { id: 'c1', name: '/one-renamed' }); // upsert replaces the whole document
  a.put('image', { id: 'c1' }); // same id, another kind: a separate record
  a.delete('container', 'c2');
  a.delete('container', 'never-existed'); // deleting the absent is not an error
  expect(a.loadAll('container')).toEqual([{ id: 'c1', name: '/one-renamed' }]);
  a.close();
  a.close(); // idempotent: a shutdown hook may run after an explicit close
  const b = new SqliteStateStore(file);
  expect(b.loadAll('container')).toEqual([{ id: 'c1', name: '/one-renamed' }]);
  expect(b.loadAll('image')).toEqual([{ id: 'c1' }]);
  expect(b.loadAll('volume')).toEqual([]);
  b.close();
});

test('WAL, synchronous=FULL for records and NORMAL for events, busy_timeout and the schema version are in force, also after reopen', () => {
  const file = join(dir, 'state.db');
  new SqliteStateStore(file).close();
  const s = new SqliteStateStore(file);
  expect(s.pragma('journal_mode')).toBe('wal');
  expect(s.pragma('synchronous')).toBe(2); // 2 = FULL
  // Events are written to the same WAL without an fsync each (see the class comment).
  expect(s.pragma('synchronous', 'events')).toBe(1); // 1 = NORMAL
  expect(s.pragma('journal_mode', 'events')).toBe('wal');
  expect(s.pragma('busy_timeout')).toBe(5000);
  expect(s.pragma('user_version')).toBe(2);
  s.close();
});

test('a write that returned survives a SIGKILL of the writer', async () => {
  const file = join(dir, 'state.db');
  const script = join(dir, 'writer.js');
  // The child runs the real source, transpiled on the fly, so the test never depends on a stale dist/.
  const src = resolve(__dirname, '..', 'src', 'sqlite-store.ts');
  writeFileSync(script, `
    const ts = require(${JSON.stringify(require.resolve('typescript'))});
    const fs = require('node:fs');
    require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'),
      { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
    const { SqliteStateStore } = require(${JSON.stringify(src)});
    const s = new SqliteStateStore(${JSON.stringify(file)});
    const writes = [];
    for (let i = 0; i < 50; i++) writes.push(s.put('container', { id: 'c' + i, n: i }));
    writes.push(s.delete('container', 'c0'));
    s.appendEvent({ timeNano: 1, Type: 'container', Action: 'create', Actor: { ID: 'c1', Attributes: {} } });
    // Acknowledged = the promises resolved; only then is the writer killed.
    Promise.all(writes).then(() => process.stdout.write('written\\n'));
    setInterval(() => {}, 1000); // stay alive with the database open: no clean close
  `);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  let out = '';
  await Promise.race([
    new Promise<void>((res) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('written')) res(); })),
    exited.then((code) => { throw new Error(`writer exited early with ${code}: ${out}`); }),
  ]);
  child.kill('SIGKILL');
  await exited;
  const s = new SqliteStateStore(file);
  const ids = s.loadAll('container').map((r) => r.id);
  expect(ids).toHaveLength(49);
  expect(ids).not.toContain('c0');
  expect(s.readEvents(0, Infinity).map((e) => e.Action)).toEqual(['create']);
  s.close();
});

test('events come back oldest first within inclusive since/until bounds', () => {
  const s = new SqliteStateStore(join(dir, 'state.db'));
  const base = Date.now() * 1e6; // ~1.8e18: beyond 2^53, as real timeNano values are
  for (let i = 0; i < 5; i++) s.appendEvent(ev(base + i * 1e9, `a${i}`));
  expect(s.readEvents(base + 1e9, base + 3e9).map((e) => e.Action)).toEqual(['a1', 'a2', 'a3']);
  expect(s.readEvents(base + 1e9 + 1e6, base + 3e9 - 1e6).map((e) => e.Action)).toEqual(['a2']); // ms granularity
  expect(s.readEvents(base + 5e9, Infinity)).toEqual([]);
  expect(s.readEvents(-Infinity, Infinity)).toHaveLength(5);
  expect(s.readEvents(NaN, NaN)).toHaveLength(5); // a missing bound is open, not "match nothing"
  // Round trip is exact: the stored double equals the one handed in.
  expect(s.readEvents(base, base)[0]).toEqual(ev(base, 'a0'));
  s.close();
});

test('events appended out of time order still read oldest first; ties keep insertion order', () => {
  const s = new SqliteStateStore(join(dir, 'state.db'));
  const base = 1_700_000_000_000 * 1e6;
  s.appendEvent(ev(base + 2e6, 'late'));
  s.appendEvent(ev(base, 'early'));
  s.appendEvent(ev(base + 1e6, 'tie1'));
  s.appendEvent(ev(base + 1e6, 'tie2'));
  expect(s.readEvents(0, Infinity).map((e) => e.Action)).toEqual(['early', 'tie1', 'tie2', 'late']);
  s.close();
});

test('writes of one turn are committed together, each as it was when put, durable once its promise resolves', async () => {
  const file = join(dir, 'state.db');
  const s = new SqliteStateStore(file);
  const record = { id: 'c1', state: 'created' };
  const writes = [s.put('container', record), s.put('container', { id: 'c2' }), s.delete('container', 'c2')];
  record.state = 'changed after put';
  // Another connection sees nothing before the commit and everything after it.
  const other = new SqliteStateStore(file);
  expect(other.loadAll('container')).toEqual([]);
  await Promise.all(writes);
  expect(other.loadAll('container')).toEqual([{ id: 'c1', state: 'created' }]);
  other.close();
  s.close();
});

test('the events table stays bounded, keeping the newest, also across reopen', () => {
  const file = join(dir, 'state.db');
  const s = new SqliteStateStore(file);
  const base = 1_700_000_000_000 * 1e6;
  const total = MAX_EVENTS + 2 * TRIM_EVERY + 7;
  for (let i = 0; i < total; i++) s.appendEvent(ev(base + i * 1000, 'tag', String(i)));
  const all = s.readEvents(0, Infinity);
  expect(all.length).toBeGreaterThanOrEqual(MAX_EVENTS);
  expect(all.length).toBeLessThan(MAX_EVENTS + TRIM_EVERY);
  expect(all[all.length - 1].Actor.ID).toBe(String(total - 1));
  s.close();
  // Reopening trims to exactly the bound, so short-lived daemons do not grow the table forever.
  const r = new SqliteStateStore(file);
  const kept = r.readEvents(0, Infinity);
  expect(kept).toHaveLength(MAX_EVENTS);
  expect(kept[0].Actor.ID).toBe(String(total - MAX_EVENTS));
  r.close();
});

test('fuzz: random ids and unicode documents round trip through reopen', () => {
  const file = join(dir, 'state.db');
  const s = new SqliteStateStore(file);
  const pick = () => String.fromCodePoint(randomInt(0, 3) === 0 ? randomInt(0x1f300, 0x1faff) : randomInt(0x20, 0xd7ff));
  const str = (n: number) => Array.from({ length: n }, pick).join('');
  const expected = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < 300; i++) {
    const id = `${str(randomInt(1, 12))}-${i}`;
    const doc = { id, text: str(randomInt(0, 40)), bytes: randomBytes(16).toString('base64'), n: randomInt(-1e6, 1e6), quote: `'";--\\\u0000` };
    s.put('volume', doc);
    expected.set(id, doc);
    if (randomInt(0, 5) === 0) { s.delete('volume', id); expected.delete(id); }
  }
  s.close();
  const r = new SqliteStateStore(file);
  const got = new Map(r.loadAll('volume').map((d) => [d.id, d]));
  expect(got).toEqual(expected);
  r.close();
});

test('a database from a newer schema is refused, naming the path', () => {
  const file = join(dir, 'state.db');
  const db = new Database(file);
  db.pragma('user_version = 99');
  db.close();
  expect(() => new SqliteStateStore(file)).toThrow(`cannot open the state database ${file}: its schema version 99 is newer`);
});

test('a path that cannot be created gives an error naming the path', () => {
  const blocker = join(dir, 'file');
  writeFileSync(blocker, '');
  const file = join(blocker, 'state.db');
  expect(() => new SqliteStateStore(file)).toThrow(`cannot open the state database ${file}: `);
});
