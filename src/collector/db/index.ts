import { CamsweepError } from '../../core/errors.js';
import { migrate } from './migrations.js';
import { openPostgres } from './postgres.js';
import type { Database } from './sql.js';
import { openSqlite } from './sqlite.js';

export type { Database, Sql } from './sql.js';

/** Opens `postgres://…`/`postgresql://…` or a SQLite file path, and migrates it. */
export async function openDatabase(location: string): Promise<Database> {
  const db = /^postgres(ql)?:\/\//.test(location) ? openPostgres(location) : openSqlite(location);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new CamsweepError(
      'E_CONFIG',
      `cannot open the collector database ${db.description}: ${(err as Error).message}`,
      {
        cause: err,
        fix: 'check --db (a writable SQLite file path, or a postgres:// URL whose user may create tables)',
      },
    );
  }
  return db;
}
