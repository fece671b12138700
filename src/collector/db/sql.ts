/**
 * The one SQL surface the collector's store is written against. Statements use `?`
 * placeholders and portable SQL (both SQLite ≥ 3.35 and PostgreSQL ≥ 12 accept
 * `ON CONFLICT … DO NOTHING` and `RETURNING`); each driver adapts placeholders and types.
 */
export type Dialect = 'sqlite' | 'postgres';

export interface Sql {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * PostgreSQL only: appends rows to `table` in one `COPY … FROM STDIN`, given as chunks of COPY
   * text lines (db/copy-text.ts `copyChunks`), for bulk writes where array parameters cost more
   * to encode and parse than the rows themselves. Returns how many rows were written.
   */
  copyText?(table: string, columns: readonly string[], chunks: readonly string[]): Promise<number>;
  /**
   * Independent reads may be in flight at once, each on its own connection (PostgreSQL's pool,
   * outside a transaction): a caller may start two and await both.
   */
  readonly concurrent?: true;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
}

export interface Database extends Sql {
  /** Where the data lives, with any password removed (for logs). */
  readonly description: string;
  close(): Promise<void>;
}

/** Escapes a user's search text for `LIKE ? ESCAPE '\'`. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
