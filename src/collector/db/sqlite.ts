/**
 * SQLite through better-sqlite3: one file, embedded, the default for a single collector.
 * better-sqlite3 is synchronous and one connection is shared, so a transaction must not let
 * another request's statements run inside it between its awaits: every call queues on one
 * lock, and a transaction holds the lock until it ends.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Sql } from './sql.js';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

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
    all: (sql, params) => lock.run(() => direct.all(sql, params)),
    get: (sql, params) => lock.run(() => direct.get(sql, params)),
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
      await lock.run(() => db.close());
    },
  };
}
