import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStateStore } from '../src/sqlite-store';
import type { StoreLog } from '../src/torn-state';

let dir: string;
let file: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sockerless-torn-')); file = join(dir, 'state.db'); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Line = { level: string; msg: string; fields?: Record<string, unknown> };
function recorder(): StoreLog & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => { lines.push({ level, msg, fields }); };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * A store with containers c0..c<n-1>, left as a kill -9 leaves it: WAL and -shm in place, nothing
 * checkpointed. A child process writes and SIGKILLs itself: in this process the connections would stay open.
 */
function storeLeftByAKill(n: number): void {
  const src = resolve(__dirname, '..', 'src', 'sqlite-store.ts');
  const child = spawnSync(process.execPath, ['-e', `
    const ts = require(${JSON.stringify(require.resolve('typescript'))});
    const fs = require('node:fs');
    require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'),
      { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
    const { SqliteStateStore } = require(${JSON.stringify(src)});
    const s = new SqliteStateStore(${JSON.stringify(file)});
    (async () => {
      // One commit each, as a daemon's writes over time: the WAL's tail is the last one.
      for (let i = 0; i < ${n}; i++) await s.put('container', { id: 'c' + i, pad: 'x'.repeat(200) });
      process.kill(process.pid, 'SIGKILL');
    })();
  `], { encoding: 'utf8' });
  if (child.signal !== 'SIGKILL') throw new Error(`the writer did not get as far as its kill: ${child.stderr}`);
}

const ids = (s: SqliteStateStore) => s.loadAll('container').map((r) => r.id).sort();

test('a file that is not a database is moved aside, named in an error, and a new one opens', () => {
  writeFileSync(file, 'this is not sqlite'.repeat(100));
  const log = recorder();
  const s = new SqliteStateStore(file, { log });
  expect(s.loadAll('container')).toEqual([]);
  s.close();
  const aside = readdirSync(dir).find((f) => f.startsWith('state.db.corrupt-'));
  expect(aside).toBeDefined();
  expect(log.lines).toEqual([expect.objectContaining({ level: 'error', msg: expect.stringMatching(/moved aside/), fields: expect.objectContaining({ file, movedTo: join(dir, aside!) }) })]);
});

test('garbage in a page: the rows that still read are salvaged into a new file', () => {
  const s = new SqliteStateStore(file);
  for (let i = 0; i < 300; i++) void s.put('container', { id: `c${String(i).padStart(3, '0')}`, pad: 'x'.repeat(300) });
  s.close();
  const pages = statSync(file).size / 4096;
  expect(pages).toBeGreaterThan(10);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 4096 * Math.floor(pages / 2)); // one leaf in the middle
  closeSync(fd);
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  const got = ids(r);
  r.close();
  expect(got.length).toBeGreaterThan(250);
  expect(got.length).toBeLessThan(300);
  expect(log.lines[0]).toMatchObject({ level: 'error', fields: { file, recordsSalvaged: got.length } });
});

test('a database truncated mid-file boots with what reads, and says so', () => {
  const s = new SqliteStateStore(file);
  for (let i = 0; i < 200; i++) void s.put('container', { id: `c${i}`, pad: 'x'.repeat(300) });
  s.close();
  truncateSync(file, Math.floor(statSync(file).size / 2));
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  expect(ids(r).length).toBeLessThan(200);
  r.close();
  expect(log.lines.map((l) => l.level)).toEqual(['error']);
});

test('the database deleted beside its WAL: the WAL is moved aside with it and named', () => {
  storeLeftByAKill(20);
  rmSync(file);
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  r.close();
  expect(log.lines[0]).toMatchObject({ level: 'error', fields: { file, reason: expect.stringMatching(/missing or empty beside a WAL/) } });
  // The salvage opened the pair, so SQLite folded the WAL into the file moved aside.
  expect(existsSync(log.lines[0].fields!.movedTo as string)).toBe(true);
});

test('a WAL cut to zero: the -shm still knows the frames, and the loss is logged', () => {
  storeLeftByAKill(20);
  truncateSync(`${file}-wal`, 0);
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  r.close();
  expect(log.lines).toEqual([expect.objectContaining({ level: 'error', msg: expect.stringMatching(/WAL/), fields: expect.objectContaining({ file: `${file}-wal` }) })]);
});

test('a WAL cut in its tail drops the last commits, and says so; -shm deleted just works', () => {
  storeLeftByAKill(21); // the last commit: c20
  rmSync(`${file}-shm`);
  truncateSync(`${file}-wal`, statSync(`${file}-wal`).size - 100);
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  expect(ids(r)).not.toContain('c20');
  expect(ids(r)).toContain('c19');
  r.close();
  expect(log.lines).toEqual([expect.objectContaining({ level: 'error', msg: expect.stringMatching(/WAL was torn/) })]);
});

test('garbage over a frame in the middle of the WAL, -shm gone: the commits after it are dropped, and that is said', () => {
  storeLeftByAKill(21);
  rmSync(`${file}-shm`);
  const wal = `${file}-wal`;
  const fd = openSync(wal, 'r+');
  writeSync(fd, Buffer.alloc(600, 0xab), 0, 600, 32 + Math.floor((statSync(wal).size - 32) / 2));
  closeSync(fd);
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  expect(ids(r).length).toBeLessThan(21);
  r.close();
  expect(log.lines).toEqual([expect.objectContaining({ level: 'error', msg: expect.stringMatching(/WAL was torn/) })]);
});

test('-shm deleted after a kill: everything is there and nothing is said', () => {
  storeLeftByAKill(20);
  rmSync(`${file}-shm`);
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  expect(ids(r)).toHaveLength(20);
  r.close();
  expect(log.lines).toEqual([]);
});

test('a clean reopen after a kill says nothing', () => {
  storeLeftByAKill(20);
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  expect(ids(r)).toHaveLength(20);
  r.close();
  expect(log.lines).toEqual([]);
});

test('one record with bad JSON is quarantined with its id; the others load', () => {
  const s = new SqliteStateStore(file);
  void s.put('container', { id: 'good' });
  void s.put('container', { id: 'bad' });
  s.close();
  const raw = new Database(file);
  raw.prepare("UPDATE records SET doc = '{\"id\": \"bad\", trunc' WHERE id = 'bad'").run();
  raw.close();
  const log = recorder();
  const r = new SqliteStateStore(file, { log });
  expect(r.loadAll('container')).toEqual([{ id: 'good' }]);
  expect(r.loadAll('container')).toEqual([{ id: 'good' }]); // quarantined once, not every load
  r.close();
  expect(log.lines).toEqual([expect.objectContaining({ level: 'error', fields: expect.objectContaining({ file, kind: 'container', id: 'bad', table: 'quarantine' }) })]);
  const check = new Database(file, { readonly: true });
  expect(check.prepare('SELECT kind, id FROM quarantine').all()).toEqual([{ kind: 'container', id: 'bad' }]);
  check.close();
});
