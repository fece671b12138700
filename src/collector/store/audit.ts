/**
 * The audit trail: one append-only table, each entry carrying the SHA-256 of the entry before
 * it, so a deleted or edited row breaks the chain and `camsweep collector audit verify` names
 * the first row where it breaks. Nothing in the collector updates or deletes these rows; the
 * chain is what shows that nobody did so in the database directly either. Removing rows from
 * the end cannot be told apart from their never being written, which is why verify prints the
 * head hash: record it elsewhere (a ticket, the SIEM) and compare later.
 */
import type { Sql } from '../db/sql.js';
import type { SiteScope } from './roles.js';
import { sha256 } from './secrets.js';

export interface AuditInput {
  /** A dashboard user name, or `cli:<os user>` for the management commands. */
  readonly actor: string;
  /** The client address, or `cli`. */
  readonly source: string;
  /** What happened, e.g. `sign-in`, `remediation`, `export`, `role.grant`. */
  readonly action: string;
  /** The thing acted on (a device id, a user name, a token id, an export's filter). */
  readonly target: string;
  /** The site concerned, when there is one; entries without a site are for all-site auditors only. */
  readonly site?: string | null;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly source: string;
  readonly action: string;
  readonly target: string;
  readonly site: string | null;
  readonly before: string | null;
  readonly after: string | null;
  readonly prevSha256: string;
  readonly sha256: string;
}

const GENESIS = '0'.repeat(64);
const MAX_TEXT = 4096;

function asJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value).slice(0, 16_384);
}

/** The hash of an entry covers every column but its own hash, in a fixed order. */
function entryHash(e: Omit<AuditEntry, 'sha256'>): string {
  return sha256(
    JSON.stringify([
      e.prevSha256,
      e.id,
      e.at,
      e.actor,
      e.source,
      e.action,
      e.target,
      e.site,
      e.before,
      e.after,
    ]),
  );
}

/**
 * Appends one entry. Call it inside the transaction that makes the change, so the change and
 * its record commit together. Appends are serialised (SQLite: the transaction's write lock;
 * PostgreSQL: an advisory lock) so two collectors cannot chain onto the same predecessor.
 */
export async function appendAudit(q: Sql, input: AuditInput): Promise<void> {
  const run = async (t: Sql) => {
    if (t.dialect === 'postgres') await t.run('SELECT pg_advisory_xact_lock(7165003)');
    const last = await t.get<{ id: number; sha256: string }>(
      'SELECT id, sha256 FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    const entry = {
      id: Number(last?.id ?? 0) + 1,
      at: new Date().toISOString(),
      actor: input.actor.slice(0, 256),
      source: input.source.slice(0, 256),
      action: input.action.slice(0, 64),
      target: input.target.slice(0, MAX_TEXT),
      site: input.site ?? null,
      before: asJson(input.before),
      after: asJson(input.after),
      prevSha256: last?.sha256 ?? GENESIS,
    };
    await t.run(
      `INSERT INTO audit_log (id, at, actor, source, action, target, site, before_json, after_json, prev_sha256, sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        entry.id,
        entry.at,
        entry.actor,
        entry.source,
        entry.action,
        entry.target,
        entry.site,
        entry.before,
        entry.after,
        entry.prevSha256,
        entryHash(entry),
      ],
    );
  };
  await q.tx(run);
}

const COLUMNS = `id, at, actor, source, action, target, site, before_json AS before, after_json AS after,
  prev_sha256 AS "prevSha256", sha256`;

function scopeFilter(scope: SiteScope): { sql: string; params: string[] } {
  if (scope.all) return { sql: '', params: [] };
  if (scope.sites.length === 0) return { sql: 'WHERE 1 = 0', params: [] };
  return { sql: `WHERE site IN (${scope.sites.map(() => '?').join(', ')})`, params: [...scope.sites] };
}

/** Newest first, within the scope: a site-scoped auditor sees only entries about those sites. */
export async function listAudit(
  q: Sql,
  scope: SiteScope,
  page: { offset: number; limit: number },
): Promise<{ rows: AuditEntry[]; total: number }> {
  const f = scopeFilter(scope);
  const rows = await q.all<AuditEntry>(
    `SELECT ${COLUMNS} FROM audit_log ${f.sql} ORDER BY id DESC LIMIT ? OFFSET ?`,
    [...f.params, page.limit, page.offset],
  );
  const total = await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_log ${f.sql}`, f.params);
  return { rows: rows.map(normalise), total: Number(total?.n ?? 0) };
}

function normalise(r: AuditEntry): AuditEntry {
  return { ...r, id: Number(r.id) };
}

/** Every entry in the scope after entry `from`, oldest first, in pages (for exports, verification, the API). */
export async function* allAudit(
  q: Sql,
  scope: SiteScope,
  pageSize = 2000,
  from = 0,
): AsyncGenerator<AuditEntry> {
  const f = scopeFilter(scope);
  const cond = f.sql ? `${f.sql} AND id > ?` : 'WHERE id > ?';
  let after = from;
  for (;;) {
    const rows = await q.all<AuditEntry>(`SELECT ${COLUMNS} FROM audit_log ${cond} ORDER BY id LIMIT ?`, [
      ...f.params,
      after,
      pageSize,
    ]);
    for (const r of rows) yield normalise(r);
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]!.id);
  }
}

export type AuditVerdict =
  | { readonly ok: true; readonly entries: number; readonly head: string }
  | { readonly ok: false; readonly entries: number; readonly brokenAt: number; readonly reason: string };

/** Walks the whole chain; the first row whose link or content does not match is reported. */
export async function verifyAudit(q: Sql): Promise<AuditVerdict> {
  let prev = GENESIS;
  let expectedId = 1;
  let n = 0;
  for await (const e of allAudit(q, { all: true })) {
    if (e.id !== expectedId)
      return {
        ok: false,
        entries: n,
        brokenAt: e.id,
        reason: `entries ${expectedId}–${e.id - 1} are missing`,
      };
    if (e.prevSha256 !== prev)
      return {
        ok: false,
        entries: n,
        brokenAt: e.id,
        reason: 'its link to the previous entry does not match',
      };
    if (entryHash(e) !== e.sha256)
      return {
        ok: false,
        entries: n,
        brokenAt: e.id,
        reason: 'its content does not match its hash (edited)',
      };
    prev = e.sha256;
    expectedId = e.id + 1;
    n++;
  }
  return { ok: true, entries: n, head: prev };
}
