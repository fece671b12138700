/**
 * Directory users in the collector's own tables. A person signing in through LDAP or OIDC gets
 * a row in `users` (marked with the method, with no usable password) and, at every sign-in,
 * exactly the roles their directory groups map to in the config: a group taken away in the
 * directory takes the role away at the next sign-in. A user none of whose groups is mapped is
 * refused, and keeps no roles. A local account's name is never taken over by a directory user
 * (local accounts are the break-glass way in when the directory is down).
 */
import type { Sql } from '../db/sql.js';
import { type Grant, grantRole, loadAuthority, revokeRole } from '../store/roles.js';
import type { RoleMapping } from './config.js';

export type DirectoryMethod = 'ldap' | 'oidc';

/** DNs compare case-insensitively and without the spaces some tools put after commas. */
function normaliseDn(dn: string): string {
  return dn
    .trim()
    .toLowerCase()
    .replace(/\s*([,=+])\s*/g, '$1');
}

/** The grants a user's groups map to, without repeats. */
export function grantsFor(
  mappings: readonly RoleMapping[],
  groups: readonly string[],
  method: DirectoryMethod,
): Grant[] {
  // LDAP groups are DNs; OIDC group claims are opaque ids or names, compared exactly.
  const key = method === 'ldap' ? normaliseDn : (g: string) => g;
  const held = new Set(groups.map(key));
  const grants = new Map<string, Grant>();
  for (const m of mappings) {
    if (!held.has(key(m.group))) continue;
    const list: Grant[] =
      m.scope.kind === 'all'
        ? [{ role: m.role, kind: 'all', name: '' }]
        : m.scope.names.map((name) => ({ role: m.role, kind: m.scope.kind as 'site' | 'group', name }));
    for (const g of list) grants.set(`${g.role}\0${g.kind}\0${g.name}`, g);
  }
  return [...grants.values()];
}

export type Provisioned =
  | {
      readonly ok: true;
      readonly userId: number;
      readonly before: readonly Grant[];
      readonly after: readonly Grant[];
    }
  | {
      readonly ok: false;
      readonly reason: 'no-mapped-group' | 'name-taken' | 'disabled';
      readonly message: string;
    };

const NO_PASSWORD = '!directory';

/**
 * Creates or updates a directory user and replaces their roles with those their groups map to,
 * in one transaction.
 */
export async function provisionDirectoryUser(
  q: Sql,
  method: DirectoryMethod,
  username: string,
  grants: readonly Grant[],
): Promise<Provisioned> {
  return q.tx(async (t) => {
    const row = await t.get<{ id: number; auth_source: string; disabled_at: string | null }>(
      'SELECT id, auth_source, disabled_at FROM users WHERE username = ?',
      [username],
    );
    if (row && row.auth_source !== method)
      return {
        ok: false,
        reason: 'name-taken',
        message: `The name "${username}" belongs to a ${row.auth_source === 'local' ? 'local' : row.auth_source.toUpperCase()} account of this collector; ask an administrator.`,
      };
    if (row?.disabled_at)
      return { ok: false, reason: 'disabled', message: 'This account is disabled on the collector.' };
    const before = row ? (await loadAuthority(t, row.id)).grants : [];
    for (const g of before) await revokeRole(t, username, g);
    if (grants.length === 0) {
      // Whatever the user held before goes with the last mapped group; their sessions too.
      if (row) await t.run('DELETE FROM sessions WHERE user_id = ?', [row.id]);
      return {
        ok: false,
        reason: 'no-mapped-group',
        message:
          'Your directory account is in none of the groups this collector maps to a role. Ask an administrator to add you to one.',
      };
    }
    const userId =
      row?.id ??
      (await t.get<{ id: number }>(
        'INSERT INTO users (username, password_hash, created_at, auth_source) VALUES (?, ?, ?, ?) RETURNING id',
        [username, NO_PASSWORD, new Date().toISOString(), method],
      ))!.id;
    for (const g of grants) await grantRole(t, username, g);
    return { ok: true, userId: Number(userId), before, after: grants };
  });
}

/** How a user signs in: 'local', 'ldap' or 'oidc' (null when there is no such user). */
export async function authSourceOf(q: Sql, userId: number): Promise<string | null> {
  const row = await q.get<{ auth_source: string }>('SELECT auth_source FROM users WHERE id = ?', [userId]);
  return row?.auth_source ?? null;
}
