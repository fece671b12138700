/**
 * SQLite through better-sqlite3: one file, embedded, the default for a single collector.
 * better-sqlite3 is synchronous and one connection writes, so a transaction must not let
 * another request's statements run inside it between its awaits: every write queues on one
 * lock, and a transaction holds the lock until it ends.
 *
 * Reads outside a transaction go to a second, read-only connection without the lock: in WAL
 * mode it sees the last committed state while a write is under way. So the health check and
 * the dashboard answer during a long ingest (which hands the event loop back between chunks,
 * store/ingest-write.ts) instead of waiting for its commit, as they would on PostgreSQL.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Sql } from './sql.js';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** Address space, not memory: the kernel pages the file in and out as for any mapped file. */
const MMAP_BYTES = 1024 * 1024 * 1024;

class Lock {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

// SQLite binds booleans poorly and undefined not at all; normalise once here.
function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

export function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL'); // readers never block the writer
  db.pragma('synchronous = NORMAL'); // durable at each WAL checkpoint; safe against app crashes
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Pages read straight from the mapped file instead of copied through a 2 MB page cache: a
  // device-list search scans the whole table (its count at 100,000 devices took 140-170 ms
  // instead of 250-270 ms, median of 8, on the loaded 2-core development machine).
  db.pragma(`mmap_size = ${MMAP_BYTES}`);
  const cache = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const lock = new Lock();

  // An in-memory database exists only on its own connection, so it has no separate reader.
  const reader =
    file === ':memory:' ? null : new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  reader?.pragma('busy_timeout = 5000');
  reader?.pragma(`mmap_size = ${MMAP_BYTES}`);
  const readCache = new Map<string, Statement | null>();
  /** The statement on the reader when it only reads, else null (it must take the writer's lock). */
  const readOnly = (sql: string): Statement | null => {
    if (!reader) return null;
    let stmt = readCache.get(sql);
    if (stmt === undefined) {
      const candidate = reader.prepare(sql);
      stmt = candidate.readonly ? candidate : null;
      readCache.set(sql, stmt);
    }
    return stmt;
  };
  const read = async <T>(sql: string, fn: (s: Statement) => T): Promise<T> => {
    const stmt = readOnly(sql);
    return stmt ? fn(stmt) : lock.run(() => fn(prepare(sql)));
  };

  const direct: Sql = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: readonly unknown[] = []) => prepare(sql).all(...bind(params)) as T[],
    get: async <T>(sql: string, params: readonly unknown[] = []) =>
      prepare(sql).get(...bind(params)) as T | undefined,
    run: async (sql: string, params: readonly unknown[] = []) => prepare(sql).run(...bind(params)).changes,
    tx: (fn) => fn(direct),
  };

  return {
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    all: <T>(sql: string, params: readonly unknown[] = []) =>
      read(sql, (stmt) => stmt.all(...bind(params)) as T[]),
    get: <T>(sql: string, params: readonly unknown[] = []) =>
      read(sql, (stmt) => stmt.get(...bind(params)) as T | undefined),
    run: (sql, params) => lock.run(() => direct.run(sql, params)),
    tx: (fn) =>
      lock.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(direct);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    close: async () => {
      await lock.run(() => {
        reader?.close();
        db.close();
      });
    },
  };
}
