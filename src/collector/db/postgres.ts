/**
 * PostgreSQL through pg, for larger deployments and for several collectors behind one load
 * balancer (all state lives in the database). Placeholders `?` become `$n`; BIGINT columns come
 * back as numbers (ids and counts stay far below 2^53).
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Sql } from './sql.js';

const converted = new Map<string, string>();
function toPg(sql: string): string {
  let text = converted.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    converted.set(sql, text);
  }
  return text;
}

const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** `COPY table (columns) FROM STDIN` on one connection; the chunks go in order, minding backpressure. */
async function copyIn(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  chunks: readonly string[],
): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  const done = finished(stream);
  // Without a listener until `done` is awaited, an early error would be unhandled.
  done.catch(() => undefined);
  for (const chunk of chunks) if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), done]);
  stream.end();
  await done;
  return stream.rowCount;
}

function over(client: pg.Pool | pg.PoolClient): Omit<Sql, 'tx'> {
  const copyText =
    client instanceof pg.Pool
      ? async (table: string, columns: readonly string[], chunks: readonly string[]) => {
          const one = await client.connect();
          try {
            return await copyIn(one, table, columns, chunks);
          } finally {
            one.release();
          }
        }
      : (table: string, columns: readonly string[], chunks: readonly string[]) =>
          copyIn(client, table, columns, chunks);
  return {
    copyText,
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await client.query(toPg(sql), params as unknown[])).rows as T[],
    get: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await client.query(toPg(sql), params as unknown[])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly unknown[] = []) =>
      (await client.query(toPg(sql), params as unknown[])).rowCount ?? 0,
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

export function openPostgres(url: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  const base = over(pool);
  return {
    ...base,
    concurrent: true,
    description: redactUrl(url),
    tx: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inner: Sql = { ...over(client), tx: (f) => f(inner) };
        const result = await fn(inner);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
