import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordKind, StateStore, StoredEvent, StoredRecord } from '@sockerless/sdk';

/** Bumped with every entry added to MIGRATIONS; kept in SQLite's `user_version` header field. */
const MIGRATIONS: readonly string[] = [
  // v1. time_nano is REAL on purpose: nanoseconds since 1970 (~1.8e18) exceed 2^53, so the JS number the
  // core hands us is already a double with ~256 ns resolution. Storing that same double as REAL round-trips
  // it bit for bit, and REAL-to-REAL comparisons in since/until are exact; INTEGER would add a conversion and
  // nothing else (BigInt would make every caller convert). Order within one timestamp comes from seq.
  `CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id));
   CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time_nano REAL NOT NULL, doc TEXT NOT NULL);
   CREATE INDEX events_time ON events (time_nano);`,
];
const SCHEMA_VERSION = MIGRATIONS.length;

/** Events beyond this many are trimmed, oldest first; `docker events --since` reaches back this far. */
export const MAX_EVENTS = 10_000;
/** Trim once per this many appends: a trim is a range delete, cheap but not free on the hot path. */
export const TRIM_EVERY = 500;

type DocRow = { doc: string };

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
    load: Database.Statement<[string], DocRow>;
    addEvent: Database.Statement<[number, string]>;
    events: Database.Statement<[number, number], DocRow>;
    trim: Database.Statement<[number]>;
  };
  private appendsSinceTrim = 0;
  private pending: PendingWrite[] = [];

  constructor(readonly path: string) {
    let db: Database.Database | undefined;
    let eventsDb: Database.Database | undefined;
    try {
      if (path !== ':memory:') makeDatabasePrivate(path);
      db = new Database(path);
      // The first statement that reads the header: a file that is not SQLite (or is damaged) fails here.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // Another process (a CLI inspecting state) may hold the lock briefly; wait instead of failing a write.
      db.pragma('busy_timeout = 5000');
      migrate(db);
      // ':memory:' is private to its connection; there the one connection writes events too.
      eventsDb = path === ':memory:' ? db : new Database(path);
      if (eventsDb !== db) {
        eventsDb.pragma('synchronous = NORMAL');
        eventsDb.pragma('busy_timeout = 5000');
      }
      this.stmt = {
        put: db.prepare('INSERT INTO records (kind, id, doc) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc'),
        del: db.prepare('DELETE FROM records WHERE kind = ? AND id = ?'),
        load: db.prepare('SELECT doc FROM records WHERE kind = ?'),
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

  loadAll(kind: RecordKind): StoredRecord[] {
    this.commit(); // read your own writes, even those still waiting for their turn's commit
    return this.stmt.load.all(kind).map((r) => JSON.parse(r.doc) as StoredRecord);
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
    return this.stmt.events.all(since, until).map((r) => JSON.parse(r.doc) as StoredEvent);
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
