import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordKind, StateStore, StoredEvent, StoredRecord } from '@sockerless/sdk';
import { checkIntegrity, inspectWal, isCorruption, moveAside, reportWalLoss, salvage, silentLog, type StoreLog } from './torn-state';

/** Bumped with every entry added to MIGRATIONS; kept in SQLite's `user_version` header field. */
const MIGRATIONS: readonly string[] = [
  // v1. time_nano is REAL on purpose: nanoseconds since 1970 (~1.8e18) exceed 2^53, so the JS number the
  // core hands us is already a double with ~256 ns resolution. Storing that same double as REAL round-trips
  // it bit for bit, and REAL-to-REAL comparisons in since/until are exact; INTEGER would add a conversion and
  // nothing else (BigInt would make every caller convert). Order within one timestamp comes from seq.
  `CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id));
   CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time_nano REAL NOT NULL, doc TEXT NOT NULL);
   CREATE INDEX events_time ON events (time_nano);`,
  // v2. Records that do not read (bad JSON) move here instead of stopping the boot.
  `CREATE TABLE quarantine (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, reason TEXT NOT NULL, time TEXT NOT NULL);`,
];
const SCHEMA_VERSION = MIGRATIONS.length;

/** Events beyond this many are trimmed, oldest first; `docker events --since` reaches back this far. */
export const MAX_EVENTS = 10_000;
/** Trim once per this many appends: a trim is a range delete, cheap but not free on the hot path. */
export const TRIM_EVERY = 500;

type DocRow = { doc: string };
type RecordRow = { kind: string; id: string; doc: string };

function parseRecord(row: RecordRow): StoredRecord | undefined {
  try {
    const record = JSON.parse(row.doc) as unknown;
    if (record && typeof record === 'object' && (record as StoredRecord).id === row.id) return record as StoredRecord;
  } catch {
    // falls through: quarantined by the caller
  }
  return undefined;
}

/** Opens one connection on the records: WAL, FULL sync, migrated and integrity-checked. */
function openRecords(path: string): Database.Database {
  const db = new Database(path);
  try {
    // The first statement that reads the header: a file that is not SQLite (or is damaged) fails here.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Another process (a CLI inspecting state) may hold the lock briefly; wait instead of failing a write.
    db.pragma('busy_timeout = 5000');
    migrate(db);
    if (path !== ':memory:') checkIntegrity(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

interface PendingWrite {
  apply(): void;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The state store on SQLite. WAL keeps readers off the writer's back; `synchronous=FULL` fsyncs the WAL on
 * every commit, so each put/delete is durable when its promise resolves — which is what lets the API
 * answer only after the change is on disk. Every statement is prepared once here: the hot path (a put per
 * container state change) does no SQL parsing.
 *
 * Writes are group-committed: every put and delete asked for within one turn of the event loop goes into
 * one transaction, so one fsync (about half a millisecond, blocking the loop) serves all of them. Sixteen
 * clients running containers ask for several writes per turn; one client alone waits no longer than that
 * turn. Each record is serialized when `put` is called, so a caller changing it afterwards changes nothing.
 *
 * Events go through a second connection with `synchronous=NORMAL`: a commit there is written to the WAL
 * (so it survives a kill -9 of the daemon) but not fsynced, which would otherwise cost about half a
 * millisecond per event, four or five times per container lifecycle, blocking the event loop each time. The
 * next record commit fsyncs the same WAL file, so an event is as durable as the first acknowledged write
 * after it; only a power cut can take the newest events, which Docker does not keep at all.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly eventsDb: Database.Database;
  private readonly stmt: {
    put: Database.Statement<[string, string, string]>;
    del: Database.Statement<[string, string]>;
    load: Database.Statement<[string], RecordRow>;
    quarantine: Database.Statement<[string, string, string, string, string]>;
    addEvent: Database.Statement<[number, string]>;
    events: Database.Statement<[number, number], DocRow>;
    trim: Database.Statement<[number]>;
  };
  private appendsSinceTrim = 0;
  private pending: PendingWrite[] = [];

  private readonly log: StoreLog;

  /** `log` hears about torn state: what was found, what was dropped, where a damaged file was moved. */
  constructor(readonly path: string, opts: { log?: StoreLog } = {}) {
    this.log = opts.log ?? silentLog;
    let db: Database.Database | undefined;
    let eventsDb: Database.Database | undefined;
    try {
      db = path === ':memory:' ? openRecords(path) : this.openOrRecover();
      // ':memory:' is private to its connection; there the one connection writes events too.
      eventsDb = path === ':memory:' ? db : new Database(path);
      if (eventsDb !== db) {
        eventsDb.pragma('synchronous = NORMAL');
        eventsDb.pragma('busy_timeout = 5000');
      }
      this.stmt = {
        put: db.prepare('INSERT INTO records (kind, id, doc) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc'),
        del: db.prepare('DELETE FROM records WHERE kind = ? AND id = ?'),
        load: db.prepare('SELECT kind, id, doc FROM records WHERE kind = ?'),
        quarantine: db.prepare('INSERT INTO quarantine (kind, id, doc, reason, time) VALUES (?, ?, ?, ?, ?)'),
        addEvent: eventsDb.prepare('INSERT INTO events (time_nano, doc) VALUES (?, ?)'),
        // (time_nano, seq) is the index order, so the range scan needs no sort.
        events: db.prepare('SELECT doc FROM events WHERE time_nano >= ? AND time_nano <= ? ORDER BY time_nano, seq'),
        trim: eventsDb.prepare('DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?'),
      };
      // A daemon that restarts often may never reach TRIM_EVERY appends in one run; trim at open too.
      this.stmt.trim.run(MAX_EVENTS);
    } catch (err) {
      if (eventsDb?.open) eventsDb.close();
      if (db?.open) db.close();
      throw new Error(`cannot open the state database ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.db = db;
    this.eventsDb = eventsDb;
  }

  /**
   * Opens the file, or — when it is damaged, cut short, not a database, or gone beside the WAL it left — moves
   * it aside, starts a fresh one and copies into it every row that still reads. Never refuses to boot for
   * torn state (a newer schema, or a path that cannot be made, still refuses: those are not torn).
   */
  private openOrRecover(): Database.Database {
    const path = this.path;
    const existed = existsSync(path) && statSync(path).size > 0;
    makeDatabasePrivate(path);
    const wal = inspectWal(path);
    let reason: string | undefined;
    if (!existed && wal && wal.bytes > 0) {
      reason = `the database file was missing or empty beside a WAL of ${wal.bytes} bytes`;
    } else {
      let db: Database.Database | undefined;
      try {
        db = openRecords(path);
        reportWalLoss(db, path, wal, this.log);
        return db;
      } catch (err) {
        if (db?.open) db.close();
        if (!isCorruption(err)) throw err;
        reason = (err as Error).message;
      }
    }
    const aside = moveAside(path);
    makeDatabasePrivate(path);
    const db = openRecords(path);
    const saved = salvage(aside, db);
    this.log.error('the state database was damaged: moved aside and replaced by a new one holding every record that still read from it; containers and images still in the home are rebuilt from it', {
      file: path, movedTo: aside, reason, recordsSalvaged: saved.records, eventsSalvaged: saved.events,
      ...(saved.error ? { salvageError: saved.error } : {}),
    });
    return db;
  }

  loadAll(kind: RecordKind): StoredRecord[] {
    this.commit(); // read your own writes, even those still waiting for their turn's commit
    const out: StoredRecord[] = [];
    for (const row of this.stmt.load.all(kind)) {
      const record = parseRecord(row);
      if (record) out.push(record);
      else this.quarantine(row, 'not a JSON object with the id it is stored under');
    }
    return out;
  }

  /**
   * One unreadable record must not cost the others (dockerd skips a container whose config.v2.json does
   * not parse and loads the rest): it moves to the quarantine table, kept for whoever repairs it, and is said.
   */
  private quarantine(row: RecordRow, reason: string): void {
    this.db.transaction(() => {
      this.stmt.quarantine.run(row.kind, row.id, row.doc, reason, new Date().toISOString());
      this.stmt.del.run(row.kind, row.id);
    })();
    this.log.error('a state record does not read; it was moved to the quarantine table and the rest loaded', {
      file: this.path, kind: row.kind, id: row.id, reason, table: 'quarantine',
    });
  }

  put(kind: RecordKind, record: StoredRecord): Promise<void> {
    const doc = JSON.stringify(record);
    return this.enqueue(() => this.stmt.put.run(kind, record.id, doc));
  }

  delete(kind: RecordKind, id: string): Promise<void> {
    return this.enqueue(() => this.stmt.del.run(kind, id));
  }

  private enqueue(apply: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ apply, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commit());
    });
  }

  /** One transaction for the whole batch; if it fails, each write alone, so only a bad one fails. */
  private commit(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.db.transaction(() => { for (const w of batch) w.apply(); })();
    } catch {
      for (const w of batch) {
        try { w.apply(); w.resolve(); } catch (err) { w.reject(err as Error); }
      }
      return;
    }
    for (const w of batch) w.resolve();
  }

  appendEvent(event: StoredEvent): void {
    this.stmt.addEvent.run(event.timeNano, JSON.stringify(event));
    if (++this.appendsSinceTrim >= TRIM_EVERY) {
      this.appendsSinceTrim = 0;
      this.stmt.trim.run(MAX_EVENTS);
    }
  }

  readEvents(sinceNano: number, untilNano: number): StoredEvent[] {
    // NaN would bind as NULL and silently match nothing; treat a missing bound as open. ±Infinity bind fine.
    const since = Number.isNaN(sinceNano) ? -Infinity : sinceNano;
    const until = Number.isNaN(untilNano) ? Infinity : untilNano;
    const out: StoredEvent[] = [];
    for (const r of this.stmt.events.all(since, until)) {
      // A damaged event is history only: skipped, as dockerd skips an unreadable line of its events log.
      try { out.push(JSON.parse(r.doc) as StoredEvent); } catch { /* skipped */ }
    }
    return out;
  }

  /** Reads a pragma's value on the records or the events connection (tests and diagnostics). */
  pragma(name: string, connection: 'records' | 'events' = 'records'): unknown {
    return (connection === 'events' ? this.eventsDb : this.db).pragma(name, { simple: true });
  }

  close(): void {
    // Writes asked for just before close still land: their callers are waiting for them.
    if (this.db.open) this.commit();
    if (this.eventsDb.open) this.eventsDb.close();
    if (this.db.open) this.db.close();
  }
}

/** Applies the migrations the file has not seen, each with its version bump in one transaction. */
function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`its schema version ${version} is newer than this store understands (${SCHEMA_VERSION}); was it written by a newer Sockerless?`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * The database holds every container's env and labels (secrets, often): 0600, as dockerd's metadata.db.
 * A new file is made empty with that mode before SQLite opens it (an empty file is an empty database),
 * since SQLite creates the -wal and -shm files with the database's own mode; existing ones, made 0644
 * before, are tightened.
 */
function makeDatabasePrivate(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
