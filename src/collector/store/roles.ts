/**
 * Roles and their site scope. A user holds any number of grants; each grant is one role over
 * one site, one site group, or every site. What a user may do at a site is the union of the
 * permissions of the roles granted there. Roles are kept narrow on purpose: an operator records
 * remediation but cannot grant an exemption (that needs an approver), and an admin manages
 * people and tokens without thereby reading exports or the audit trail as an auditor does.
 */
import type { Sql } from '../db/sql.js';

export const ROLES = ['viewer', 'auditor', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route or action needs. `read` is the inventory pages; `exempt` is granting an exemption. */
export type Permission = 'read' | 'export' | 'remediate' | 'exempt' | 'audit' | 'manage';

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  auditor: ['read', 'export', 'audit'],
  operator: ['read', 'remediate'],
  approver: ['read', 'remediate', 'exempt'],
  admin: ['read', 'manage'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export type ScopeKind = 'all' | 'site' | 'group';

export interface Grant {
  readonly role: Role;
  readonly kind: ScopeKind;
  /** Site or group name; '' for every site. */
  readonly name: string;
}

/** The sites a permission reaches: every site, or a list (possibly empty). */
export type SiteScope = { readonly all: true } | { readonly all: false; readonly sites: readonly string[] };

export const NO_SITES: SiteScope = { all: false, sites: [] };
export const ALL_SITES: SiteScope = { all: true };

export function inScope(scope: SiteScope, site: string): boolean {
  return scope.all || scope.sites.includes(site);
}

export function isEmptyScope(scope: SiteScope): boolean {
  return !scope.all && scope.sites.length === 0;
}

/** A user's grants with groups expanded to the sites they hold at this moment. */
export interface Authority {
  readonly grants: readonly Grant[];
  scope(permission: Permission): SiteScope;
}

export async function loadAuthority(q: Sql, userId: number): Promise<Authority> {
  const grants = await q.all<Grant>(
    'SELECT role, scope_kind AS kind, scope_name AS name FROM user_roles WHERE user_id = ? ORDER BY id',
    [userId],
  );
  const members = await q.all<{ grp: string; site: string }>(
    `SELECT g.name AS grp, m.site_name AS site FROM site_group_members m JOIN site_groups g ON g.id = m.group_id
     WHERE g.name IN (SELECT scope_name FROM user_roles WHERE user_id = ? AND scope_kind = 'group')`,
    [userId],
  );
  return {
    grants,
    scope(permission) {
      const sites = new Set<string>();
      for (const g of grants) {
        if (!roleAllows(g.role, permission)) continue;
        if (g.kind === 'all') return { all: true };
        if (g.kind === 'site') sites.add(g.name);
        else for (const m of members) if (m.grp === g.name) sites.add(m.site);
      }
      return { all: false, sites: [...sites].sort() };
    },
  };
}

async function userIdOf(q: Sql, username: string): Promise<number | null> {
  const row = await q.get<{ id: number }>('SELECT id FROM users WHERE username = ?', [username]);
  return row?.id ?? null;
}

/** Grants a role; false when there is no such user. Granting twice is harmless. */
export async function grantRole(q: Sql, username: string, grant: Grant): Promise<boolean> {
  const id = await userIdOf(q, username);
  if (id === null) return false;
  await q.run(
    `INSERT INTO user_roles (user_id, role, scope_kind, scope_name, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id, role, scope_kind, scope_name) DO NOTHING`,
    [id, grant.role, grant.kind, grant.name, new Date().toISOString()],
  );
  return true;
}

/** Takes a grant away; false when the user did not hold it. */
export async function revokeRole(q: Sql, username: string, grant: Grant): Promise<boolean> {
  const id = await userIdOf(q, username);
  if (id === null) return false;
  const changed = await q.run(
    'DELETE FROM user_roles WHERE user_id = ? AND role = ? AND scope_kind = ? AND scope_name = ?',
    [id, grant.role, grant.kind, grant.name],
  );
  return changed > 0;
}

export async function listGrants(q: Sql): Promise<(Grant & { username: string })[]> {
  return q.all(
    `SELECT u.username, r.role, r.scope_kind AS kind, r.scope_name AS name FROM user_roles r
     JOIN users u ON u.id = r.user_id ORDER BY u.username, r.role, r.scope_kind, r.scope_name`,
  );
}

/** Adds a site to a group (creating the group); the site need not have reported yet. */
export async function addSiteToGroup(q: Sql, group: string, site: string): Promise<void> {
  await q.tx(async (t) => {
    await t.run('INSERT INTO site_groups (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [
      group,
      new Date().toISOString(),
    ]);
    const g = (await t.get<{ id: number }>('SELECT id FROM site_groups WHERE name = ?', [group]))!;
    await t.run(
      'INSERT INTO site_group_members (group_id, site_name) VALUES (?, ?) ON CONFLICT (group_id, site_name) DO NOTHING',
      [g.id, site],
    );
  });
}

export async function removeSiteFromGroup(q: Sql, group: string, site: string): Promise<boolean> {
  const changed = await q.run(
    'DELETE FROM site_group_members WHERE site_name = ? AND group_id = (SELECT id FROM site_groups WHERE name = ?)',
    [site, group],
  );
  return changed > 0;
}

export async function listGroups(q: Sql): Promise<{ group: string; site: string }[]> {
  return q.all(
    `SELECT g.name AS "group", m.site_name AS site FROM site_groups g JOIN site_group_members m ON m.group_id = g.id
     ORDER BY g.name, m.site_name`,
  );
}

/** Parses `--role R` with one of `--site S`, `--group G`, `--all-sites` (the CLI's grant syntax). */
export function parseGrant(
  role: string | undefined,
  site?: string,
  group?: string,
  all?: boolean,
): Grant | string {
  if (!role || !(ROLES as readonly string[]).includes(role))
    return `--role must be one of ${ROLES.join(', ')}`;
  const given = [site !== undefined, group !== undefined, all === true].filter(Boolean).length;
  if (given !== 1) return 'give exactly one scope: --site NAME, --group NAME or --all-sites';
  const name = (site ?? group ?? '').trim();
  if (!all && (!name || name.length > 128)) return 'a site or group name has 1 to 128 characters';
  return {
    role: role as Role,
    kind: all ? 'all' : site !== undefined ? 'site' : 'group',
    name: all ? '' : name,
  };
}
