import { closeSync, existsSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Logger } from '@sockerless/sdk';

/** What the store says about torn state; the plugin passes the daemon's logger. */
export type StoreLog = Pick<Logger, 'info' | 'warn' | 'error'>;

export const silentLog: StoreLog = { info() {}, warn() {}, error() {} };

/** WAL file magic numbers (sqlite.org/fileformat2.html#walformat): big- and little-endian checksums. */
const WAL_MAGIC = new Set([0x377f0682, 0x377f0683]);
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** What the WAL and its index (-shm) held before SQLite opened them: the yardstick for a dropped tail. */
export interface WalFacts {
  bytes: number;
  headerValid: boolean;
  /** Frames up to the last commit frame whose salts match the header's (checksums are SQLite's to verify). */
  committedFrames: number;
  /** mxFrame from the -shm of a daemon that was killed: how many frames SQLite itself had committed. */
  indexedFrames: number;
  /** The file ends inside a frame of the current generation: SQLite writes whole frames, so it was cut. */
  endsMidFrame: boolean;
  /** ... and that frame's header says it ended a transaction: a committed write was cut. */
  cutCommitFrame: boolean;
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

function readHead(file: string, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Reads the WAL's frame headers (not its pages) and the -shm's header; undefined when there is no WAL. */
export function inspectWal(dbPath: string): WalFacts | undefined {
  const wal = `${dbPath}-wal`;
  const bytes = sizeOf(wal);
  if (bytes === undefined) return undefined;
  const index = readWalIndex(`${dbPath}-shm`);
  const facts: WalFacts = { bytes, headerValid: false, committedFrames: 0, indexedFrames: 0, endsMidFrame: false, cutCommitFrame: false };
  const head = bytes >= WAL_HEADER ? readHead(wal, WAL_HEADER) : Buffer.alloc(0);
  if (head.length === WAL_HEADER && WAL_MAGIC.has(head.readUInt32BE(0))) {
    facts.headerValid = true;
    const pageSize = head.readUInt32BE(8);
    const salt = head.subarray(16, 24);
    const frameSize = FRAME_HEADER + pageSize;
    const fd = openSync(wal, 'r');
    try {
      const frameHead = Buffer.alloc(FRAME_HEADER);
      let i = 0;
      for (; WAL_HEADER + (i + 1) * frameSize <= bytes; i++) {
        readSync(fd, frameHead, 0, FRAME_HEADER, WAL_HEADER + i * frameSize);
        // Frames left over from before the last WAL restart carry older salts and only ever follow the current
        // ones; a current-salt commit frame after a frame that does not match means garbage in between.
        if (frameHead.subarray(8, 16).equals(salt) && frameHead.readUInt32BE(4) !== 0) facts.committedFrames = i + 1;
      }
      const rest = bytes - WAL_HEADER - i * frameSize;
      if (rest > 0 && rest < frameSize) {
        const n = readSync(fd, frameHead, 0, FRAME_HEADER, WAL_HEADER + i * frameSize);
        const ours = n >= 16 && frameHead.subarray(8, 16).equals(salt);
        facts.endsMidFrame = n < 16 || ours;
        facts.cutCommitFrame = ours && frameHead.readUInt32BE(4) !== 0;
      }
    } finally {
      closeSync(fd);
    }
    if (index && !index.salt.equals(salt)) return facts; // an index of another WAL generation says nothing here
  }
  facts.indexedFrames = index?.mxFrame ?? 0;
  return facts;
}

/** The wal-index header (sqlite.org/walformat.html#the_wal_index_header_object), in native byte order. */
function readWalIndex(shm: string): { mxFrame: number; salt: Buffer } | undefined {
  if (!existsSync(shm)) return undefined;
  const head = readHead(shm, 48);
  if (head.length < 48 || head[12] !== 1) return undefined; // isInit
  return { mxFrame: head.readUInt32LE(16), salt: head.subarray(32, 40) };
}

/**
 * After open (SQLite has run WAL recovery): how many committed frames it kept, against what the files held
 * before. A torn or truncated WAL loses its tail without any error from SQLite, so this is where it is said.
 */
export function reportWalLoss(db: Database.Database, dbPath: string, before: WalFacts | undefined, log: StoreLog): void {
  if (!before || before.bytes === 0 && before.indexedFrames === 0) return;
  const [{ log: kept }] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  const expected = Math.max(before.committedFrames, before.indexedFrames);
  const keptFrames = Math.max(kept, 0);
  if (!before.headerValid && before.bytes > 0) {
    log.error('the state database\'s WAL had no valid header: SQLite ignored it, so writes not yet copied into the database are lost; containers and images still in the home are rebuilt from it',
      { file: `${dbPath}-wal`, bytes: before.bytes, framesItsIndexHeld: before.indexedFrames });
  } else if (keptFrames < expected || before.cutCommitFrame) {
    log.error('the state database\'s WAL was torn: SQLite dropped its tail of committed writes; containers and images still in the home are rebuilt from it',
      { file: `${dbPath}-wal`, bytes: before.bytes, framesCommitted: expected, framesKept: keptFrames });
  } else if (before.endsMidFrame) {
    // No commit frame was cut: most likely a write a crash interrupted, which no one was told had landed.
    log.warn('the state database\'s WAL ends inside a frame: the write cut short there was dropped (a crash mid-commit, or the file was cut)',
      { file: `${dbPath}-wal`, bytes: before.bytes, framesKept: keptFrames });
  }
}

/** SQLite's answers for a file that is damaged, cut short or not a database at all. */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return err instanceof CorruptStoreError
    || typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB|IOERR_SHORT_READ|FORMAT)/.test(code);
}

export class CorruptStoreError extends Error {}

/** The integrity check every open runs (quick_check: b-tree structure, not index contents; a few ms). */
export function checkIntegrity(db: Database.Database): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  if (rows.length !== 1 || rows[0].quick_check !== 'ok') {
    throw new CorruptStoreError(`integrity check failed: ${rows.slice(0, 3).map((r) => r.quick_check).join('; ')}`);
  }
}

/**
 * Renames the database and its -wal and -shm to `<file>.corrupt-<time>` (+`-wal`, `-shm`): kept together, the
 * three are still a database SQLite can open, for the salvage below and for whoever looks at it later.
 */
export function moveAside(dbPath: string, now = new Date()): string {
  const aside = `${dbPath}.corrupt-${now.toISOString().replace(/[-:]/g, '')}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, aside + suffix);
  }
  return aside;
}

/**
 * Copies every row that still reads from the moved-aside file into the fresh one, row by row in rowid order
 * (what the sqlite3 shell's `.recover` does page by page): a damaged page costs the rows on it, not the table.
 * On an error the scan jumps ahead by a growing stride, so it gets past a bad page in a few dozen probes.
 */
export function salvage(aside: string, into: Database.Database): { records: number; events: number; error?: string } {
  let src: Database.Database | undefined;
  try {
    src = new Database(aside, { fileMustExist: true });
    const records = copyRows(src, into, 'records', ['kind', 'id', 'doc']);
    const events = copyRows(src, into, 'events', ['seq', 'time_nano', 'doc']);
    return { records, events };
  } catch (err) {
    return { records: 0, events: 0, error: (err as Error).message };
  } finally {
    if (src?.open) src.close();
  }
}

function copyRows(src: Database.Database, dst: Database.Database, table: string, columns: string[]): number {
  let read: Database.Statement<[number]>;
  try {
    read = src.prepare(`SELECT rowid AS _r, ${columns.join(', ')} FROM ${table} WHERE rowid >= ? ORDER BY rowid LIMIT 1`);
  } catch {
    return 0; // the schema itself does not read: nothing of this table can be found
  }
  const write = dst.prepare(`INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  let copied = 0;
  let next = 0;
  let stride = 1;
  dst.transaction(() => {
    while (stride < 2 ** 48) {
      let row: Record<string, unknown> | undefined;
      try {
        row = read.get(next) as Record<string, unknown> | undefined;
      } catch {
        next += stride;
        stride *= 2;
        continue;
      }
      if (!row) break;
      stride = 1;
      next = (row._r as number) + 1;
      try {
        write.run(...columns.map((c) => row[c]));
        copied++;
      } catch {
        // a row whose values do not fit the schema any more (NULL in a NOT NULL column) is left behind
      }
    }
  })();
  return copied;
}
