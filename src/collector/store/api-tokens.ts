/**
 * Tokens for the read API (routes/api/): what a ticketing or CMDB integration presents as
 * `Authorization: Bearer`. Each holds exactly one grant, a role over a site, a site group or
 * every site, and reaches what a user with that grant would read. They are a kind apart from
 * agent tokens: another prefix, another table, so an agent token never opens the read API and
 * an API token never pushes a report. Like agent tokens, only a SHA-256 digest of the 256-bit
 * secret is stored; the text is shown once, when it is created.
 */
import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import { ALL_SITES, type Authority, type Grant, NO_SITES, type Role, roleAllows } from './roles.js';
import { randomSecret, sameText, sha256 } from './secrets.js';

/** `cswapi_<id>_<secret>`: the prefix differs from an agent token's `csw_` on purpose. */
const TOKEN_TEXT = /^cswapi_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiTokenRow {
  readonly id: string;
  readonly label: string | null;
  readonly role: Role;
  readonly kind: Grant['kind'];
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  readonly lastUsedAt: string | null;
}

const COLUMNS = `id, label, role, scope_kind AS kind, scope_name AS name, created_by AS "createdBy",
  created_at AS "createdAt", revoked_at AS "revokedAt", revoked_by AS "revokedBy", last_used_at AS "lastUsedAt"`;

/** Creates a token; the returned text is shown once and never stored. */
export async function createApiToken(
  q: Sql,
  grant: Grant,
  label: string | null,
  by: string,
): Promise<{ id: string; token: string }> {
  const id = randomBytes(6).toString('hex');
  const secret = randomSecret(32);
  await q.run(
    `INSERT INTO api_tokens (id, label, role, scope_kind, scope_name, secret_sha256, created_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [id, label, grant.role, grant.kind, grant.name, sha256(secret), by, new Date().toISOString()],
  );
  return { id, token: `cswapi_${id}_${secret}` };
}

export async function listApiTokens(q: Sql): Promise<ApiTokenRow[]> {
  return q.all<ApiTokenRow>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at, id`);
}

export async function findApiToken(q: Sql, id: string): Promise<ApiTokenRow | null> {
  return (await q.get<ApiTokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?`, [id])) ?? null;
}

/** Revokes a token; false when there is no active token with that id. */
export async function revokeApiToken(q: Sql, id: string, by: string): Promise<boolean> {
  const changed = await q.run(
    'UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
    [new Date().toISOString(), by, id],
  );
  return changed > 0;
}

export type ApiTokenCheck =
  | { readonly ok: true; readonly tokenId: string; readonly grant: Grant }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'revoked' };

// last_used_at is written at most this often per token, not on every call of a busy integration.
const LAST_USED_RESOLUTION_MS = 60_000;

export async function verifyApiToken(q: Sql, text: string): Promise<ApiTokenCheck> {
  const m = TOKEN_TEXT.exec(text);
  if (!m) return { ok: false, reason: 'malformed' };
  const id = m[1]!;
  const secret = m[2]!;
  const row = await q.get<{
    secret_sha256: string;
    revoked_at: string | null;
    role: Role;
    kind: Grant['kind'];
    name: string;
  }>(
    'SELECT secret_sha256, revoked_at, role, scope_kind AS kind, scope_name AS name FROM api_tokens WHERE id = ?',
    [id],
  );
  // Compare even when the id is unknown, so timing does not reveal which ids exist.
  const matches = sameText(sha256(secret), row?.secret_sha256 ?? sha256('no such token'));
  if (!row || !matches) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  const now = new Date();
  await q.run(
    'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
    [now.toISOString(), id, new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString()],
  );
  return { ok: true, tokenId: id, grant: { role: row.role, kind: row.kind, name: row.name } };
}

/**
 * What a token's one grant reaches, with a group expanded to the sites it holds at this moment
 * (so adding a school to the group widens the token at once, as it does for users).
 */
export async function tokenAuthority(q: Sql, grant: Grant): Promise<Authority> {
  const members =
    grant.kind === 'group'
      ? (
          await q.all<{ site: string }>(
            `SELECT m.site_name AS site FROM site_group_members m JOIN site_groups g ON g.id = m.group_id
             WHERE g.name = ? ORDER BY m.site_name`,
            [grant.name],
          )
        ).map((r) => r.site)
      : [grant.name];
  return {
    grants: [grant],
    scope(permission) {
      if (!roleAllows(grant.role, permission)) return NO_SITES;
      return grant.kind === 'all' ? ALL_SITES : { all: false, sites: members };
    },
  };
}
