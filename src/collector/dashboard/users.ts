/**
 * The Users page: every user with their roles and state, and the API tokens; an admin over
 * every site grants and revokes roles, disables and enables users, and revokes API tokens.
 * A user signs in to all sites at once, so managing users needs admin over every site; a
 * site-scoped admin is refused like anyone else. Each change and its audit entry (with the
 * state before and after) commit in one transaction. The forms go through the dashboard's
 * CSRF and origin check (access.ts) like every other.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from '../db/sql.js';
import { listUsers, setUserDisabled } from '../store/access.js';
import { findApiToken, listApiTokens, revokeApiToken } from '../store/api-tokens.js';
import { appendAudit } from '../store/audit.js';
import { siteNames } from '../store/queries.js';
import {
  type Grant,
  grantRole,
  listGrants,
  listGroups,
  ROLES,
  type Role,
  revokeRole,
} from '../store/roles.js';
import {
  type DashboardOptions,
  displayOf,
  field,
  formSchema,
  frameOf,
  scopeOf,
  sendPage,
  sessionOf,
} from './context.js';

const grantForm = formSchema({ _csrf: 256, username: 128, role: 16, scope: 8, name: 128 }, [
  'username',
  'role',
  'scope',
]);

async function grantsOf(q: Sql, username: string): Promise<{ role: string; scope: string }[]> {
  return (await listGrants(q))
    .filter((g) => g.username === username)
    .map((g) => ({ role: g.role, scope: g.kind === 'all' ? 'all' : `${g.kind}:${g.name}` }));
}

/** The form's role and scope as a grant, or what is wrong with them. */
function grantFrom(body: unknown): Grant | string {
  const role = field(body, 'role');
  const kind = field(body, 'scope');
  const name = field(body, 'name').trim();
  if (!(ROLES as readonly string[]).includes(role)) return 'Choose a role.';
  if (kind === 'all') return { role: role as Role, kind, name: '' };
  if (kind !== 'site' && kind !== 'group') return 'Choose site, site group or every site.';
  if (!name) return `Name the ${kind === 'site' ? 'site' : 'site group'}.`;
  return { role: role as Role, kind, name };
}

/** A grant over one site is filed under it, so that site's auditors see who was given access. */
const siteOf = (grant: Grant) => (grant.kind === 'site' ? grant.name : null);

export const usersPage: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const { db, log } = opts;

  const showUsers = async (req: FastifyRequest, reply: FastifyReply, error: string | null, status = 200) => {
    const s = sessionOf(req);
    const grants = await listGrants(db);
    // How each signs in (auth/directory-users.ts): a directory user's roles are replaced by
    // their groups' at every sign-in, which the page says next to them.
    const sources = new Map(
      (
        await db.all<{ username: string; source: string }>(
          'SELECT username, auth_source AS source FROM users',
        )
      ).map((r) => [r.username, r.source]),
    );
    const users = (await listUsers(db)).map((u) => ({
      ...u,
      source: sources.get(u.username) ?? 'local',
      grants: grants.filter((g) => g.username === u.username),
    }));
    const groups = [...new Set((await listGroups(db)).map((g) => g.group))];
    return sendPage(
      reply,
      'users',
      frameOf(s, 'Users'),
      {
        ...displayOf(opts),
        error,
        users,
        roles: ROLES,
        tokens: await listApiTokens(db),
        scopeNames: [...(await siteNames(db, { all: true })), ...groups],
      },
      status,
    );
  };

  /** The access hook lets in anyone holding `manage` somewhere; these routes need it everywhere. */
  const onlyGlobalAdmins = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = sessionOf(req);
    if (scopeOf(req, 'manage').all) return;
    log.warn(
      { by: s.username, url: req.url.slice(0, 256) },
      'refused: user management needs admin over every site',
    );
    return sendPage(
      reply,
      'problem',
      frameOf(s, 'Not allowed'),
      {
        heading: 'Not allowed',
        message:
          'Managing users needs the admin role over every site, since a user signs in to all sites at once. Ask an administrator (camsweep collector user grant).',
      },
      403,
    );
  };
  const route = { config: { access: 'manage' as const }, preHandler: onlyGlobalAdmins };

  /** Runs a change and its audit entry in one transaction; redirects back on success. */
  const change = async (
    req: FastifyRequest,
    reply: FastifyReply,
    entry: { action: string; target: string; site?: string | null },
    apply: (
      t: Sql,
    ) => Promise<
      { ok: true; before: unknown; after: unknown } | { ok: false; error: string; status: number }
    >,
  ) => {
    const by = sessionOf(req).username;
    const outcome = await db.tx(async (t) => {
      const result = await apply(t);
      if (result.ok)
        await appendAudit(t, {
          actor: by,
          source: req.ip,
          ...entry,
          before: result.before,
          after: result.after,
        });
      return result;
    });
    if (!outcome.ok) return showUsers(req, reply, outcome.error, outcome.status);
    log.info({ by, action: entry.action }, 'user management change');
    return reply.redirect('/users', 303);
  };

  app.get('/users', { ...route, schema: { querystring: { type: 'object', properties: {} } } }, (req, reply) =>
    showUsers(req, reply, null),
  );

  app.post('/users/grant', { ...route, schema: { body: grantForm } }, async (req, reply) => {
    const username = field(req.body, 'username');
    const grant = grantFrom(req.body);
    if (typeof grant === 'string') return showUsers(req, reply, grant, 400);
    return change(req, reply, { action: 'role.grant', target: username, site: siteOf(grant) }, async (t) => {
      const before = await grantsOf(t, username);
      if (!(await grantRole(t, username, grant)))
        return { ok: false, error: `There is no user "${username}".`, status: 404 };
      return { ok: true, before, after: await grantsOf(t, username) };
    });
  });

  app.post('/users/revoke', { ...route, schema: { body: grantForm } }, async (req, reply) => {
    const username = field(req.body, 'username');
    const grant = grantFrom(req.body);
    if (typeof grant === 'string') return showUsers(req, reply, grant, 400);
    // Nobody locks themselves out from the page; another admin or the CLI can still do it.
    if (username === sessionOf(req).username && grant.role === 'admin' && grant.kind === 'all')
      return showUsers(req, reply, 'You cannot revoke your own admin role over every site.', 400);
    return change(req, reply, { action: 'role.revoke', target: username, site: siteOf(grant) }, async (t) => {
      const before = await grantsOf(t, username);
      if (!(await revokeRole(t, username, grant)))
        return { ok: false, error: `"${username}" does not hold that role.`, status: 404 };
      return { ok: true, before, after: await grantsOf(t, username) };
    });
  });

  app.post(
    '/users/state',
    {
      ...route,
      schema: { body: formSchema({ _csrf: 256, username: 128, state: 16 }, ['username', 'state']) },
    },
    async (req, reply) => {
      const username = field(req.body, 'username');
      const state = field(req.body, 'state');
      if (state !== 'disabled' && state !== 'enabled')
        return showUsers(req, reply, 'Choose enabled or disabled.', 400);
      if (username === sessionOf(req).username && state === 'disabled')
        return showUsers(req, reply, 'You cannot disable your own account.', 400);
      const action = state === 'disabled' ? 'user.disable' : 'user.enable';
      return change(req, reply, { action, target: username }, async (t) => {
        const before = (await listUsers(t)).find((u) => u.username === username);
        if (!before) return { ok: false, error: `There is no user "${username}".`, status: 404 };
        await setUserDisabled(t, username, state === 'disabled');
        const after = (await listUsers(t)).find((u) => u.username === username);
        return {
          ok: true,
          before: { disabledAt: before.disabledAt },
          after: { disabledAt: after?.disabledAt ?? null },
        };
      });
    },
  );

  app.post(
    '/users/api-tokens/revoke',
    { ...route, schema: { body: formSchema({ _csrf: 256, id: 32 }, ['id']) } },
    async (req, reply) => {
      const id = field(req.body, 'id');
      const by = sessionOf(req).username;
      return change(req, reply, { action: 'api-token.revoke', target: `api-token ${id}` }, async (t) => {
        const before = await findApiToken(t, id);
        if (!before || !(await revokeApiToken(t, id, by)))
          return { ok: false, error: `There is no active API token "${id}".`, status: 404 };
        const after = await findApiToken(t, id);
        return { ok: true, before, after };
      });
    },
  );
};
