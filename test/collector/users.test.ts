/**
 * The Users page as an admin uses it: who exists, with which roles and state; granting and
 * revoking a role, disabling (which ends the user's sessions) and enabling, revoking an API
 * token (which then opens nothing); each change in the audit trail with before and after;
 * forms refused without the session's CSRF token or from another origin; no way to lock
 * oneself out; and nobody but an admin over every site sees the page or its link.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionDirectoryUser } from '../../src/collector/auth/directory-users.js';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { buildCollector } from '../../src/collector/server.js';
import { createSession, createUser, findSession } from '../../src/collector/store/access.js';
import { createApiToken } from '../../src/collector/store/api-tokens.js';
import { type Grant, grantRole, listGrants } from '../../src/collector/store/roles.js';
import { silentLogger } from '../../src/core/log.js';
import { tempDir } from './harness.js';

const PASSWORD = 'a long enough test password';
const HOSTILE_NAME = '<b>mallory</b>\u202e';
const PEOPLE: Record<string, Grant[]> = {
  root: [{ role: 'admin', kind: 'all', name: '' }],
  'site-admin': [{ role: 'admin', kind: 'site', name: 'city-hall' }],
  auditor: [{ role: 'auditor', kind: 'all', name: '' }],
  viewer: [{ role: 'viewer', kind: 'site', name: 'city-hall' }],
  alice: [],
  [HOSTILE_NAME]: [],
};

describe('dashboard user management', () => {
  const dir = tempDir('csw-users-');
  let db: Database;
  let app: FastifyInstance;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    db = await openDatabase(`${dir.path}/c.db`);
    for (const [name, grants] of Object.entries(PEOPLE)) {
      await createUser(db, name, PASSWORD);
      for (const g of grants) await grantRole(db, name, g);
      ids[name] = (await db.get<{ id: number }>('SELECT id FROM users WHERE username = ?', [name]))!.id;
    }
    app = await buildCollector({ db, log: silentLogger, deliveries: false });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    dir.remove();
  });

  async function as(who: string) {
    const s = await createSession(db, ids[who]!);
    return { cookie: `csw_session=${s.cookie}`, csrf: s.csrf, raw: s.cookie };
  }

  async function submit(
    who: string,
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    const s = await as(who);
    return app.inject({
      method: 'POST',
      url,
      headers: { cookie: s.cookie, ...headers },
      payload: { _csrf: s.csrf, ...form },
    });
  }

  const lastAudit = () =>
    db.get<{
      actor: string;
      action: string;
      target: string;
      site: string | null;
      before: string;
      after: string;
    }>(
      'SELECT actor, action, target, site, before_json AS before, after_json AS after FROM audit_log ORDER BY id DESC LIMIT 1',
    );

  it('shows the Users link and page to an admin over every site only', async () => {
    for (const who of Object.keys(PEOPLE).filter((w) => w !== HOSTILE_NAME)) {
      const { cookie } = await as(who);
      const home = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
      const page = await app.inject({ method: 'GET', url: '/users', headers: { cookie } });
      const admin = who === 'root';
      expect([home.body.includes('href="/users"'), page.statusCode], who).toEqual(
        admin ? [true, 200] : [false, 403],
      );
    }
  });

  it('lists users with their roles and state, hostile names as text', async () => {
    const { cookie } = await as('root');
    const page = (await app.inject({ method: 'GET', url: '/users', headers: { cookie } })).body;
    expect(page).toContain('admin over site city-hall');
    expect(page).toContain('auditor over every site');
    expect(page).not.toContain('<b>mallory</b>');
    expect(page).toContain('&lt;b&gt;mallory&lt;/b&gt;');
    expect(page).not.toContain('\u202e');
  });

  it('says which users sign in through the directory, whose roles follow their groups', async () => {
    const grant: Grant = { role: 'viewer', kind: 'site', name: 'city-hall' };
    expect(await provisionDirectoryUser(db, 'ldap', 'dir.user', [grant])).toMatchObject({ ok: true });
    const { cookie } = await as('root');
    const page = (await app.inject({ method: 'GET', url: '/users', headers: { cookie } })).body;
    expect(page).toMatch(/dir\.user<\/td>\s*<td>LDAP<br><span class="meta">roles follow directory groups/);
    expect(page).toMatch(/root<\/td>\s*<td>password<\/td>/);
  });

  it('grants and revokes a role, with before and after on the record', async () => {
    const grant = { username: 'alice', role: 'operator', scope: 'site', name: 'school-east' };
    const granted = await submit('root', '/users/grant', grant);
    expect([granted.statusCode, granted.headers.location]).toEqual([303, '/users']);
    expect((await listGrants(db)).filter((g) => g.username === 'alice')).toEqual([
      { username: 'alice', role: 'operator', kind: 'site', name: 'school-east' },
    ]);
    const entry = await lastAudit();
    expect(entry).toMatchObject({
      actor: 'root',
      action: 'role.grant',
      target: 'alice',
      site: 'school-east',
    });
    expect(JSON.parse(entry!.before)).toEqual([]);
    expect(JSON.parse(entry!.after)).toEqual([{ role: 'operator', scope: 'site:school-east' }]);

    expect((await submit('root', '/users/revoke', grant)).statusCode).toBe(303);
    expect((await listGrants(db)).filter((g) => g.username === 'alice')).toEqual([]);
    const revoked = await lastAudit();
    expect([revoked?.action, JSON.parse(revoked!.before).length, JSON.parse(revoked!.after)]).toEqual([
      'role.revoke',
      1,
      [],
    ]);
    // Revoking what is not held, or granting to nobody, changes nothing and says so.
    expect((await submit('root', '/users/revoke', grant)).statusCode).toBe(404);
    expect((await submit('root', '/users/grant', { ...grant, username: 'nobody' })).statusCode).toBe(404);
    expect((await submit('root', '/users/grant', { ...grant, role: 'superuser' })).statusCode).toBe(400);
    expect((await submit('root', '/users/grant', { ...grant, name: '' })).statusCode).toBe(400);
    expect((await lastAudit())?.action).toBe('role.revoke');
  });

  it('disables a user, ending their sessions, and enables them again', async () => {
    const alice = await as('alice');
    expect(await findSession(db, alice.raw)).not.toBeNull();
    expect((await submit('root', '/users/state', { username: 'alice', state: 'disabled' })).statusCode).toBe(
      303,
    );
    expect(await findSession(db, alice.raw)).toBeNull();
    const entry = await lastAudit();
    expect(entry?.action).toBe('user.disable');
    expect(JSON.parse(entry!.before)).toEqual({ disabledAt: null });
    expect(JSON.parse(entry!.after).disabledAt).toMatch(/^\d{4}-/);
    const { cookie } = await as('root');
    expect((await app.inject({ method: 'GET', url: '/users', headers: { cookie } })).body).toMatch(
      /alice<\/td>\s*<td>password<\/td>\s*<td><span class="state s-open">disabled/,
    );
    expect((await submit('root', '/users/state', { username: 'alice', state: 'enabled' })).statusCode).toBe(
      303,
    );
    expect(JSON.parse((await lastAudit())!.after)).toEqual({ disabledAt: null });
  });

  it('revokes an API token, which then opens nothing', async () => {
    const t = await createApiToken(db, { role: 'viewer', kind: 'all', name: '' }, 'glpi', 'cli:test');
    const call = () =>
      app.inject({ method: 'GET', url: '/api/v1/sites', headers: { authorization: `Bearer ${t.token}` } });
    expect((await call()).statusCode).toBe(200);
    expect((await submit('root', '/users/api-tokens/revoke', { id: t.id })).statusCode).toBe(303);
    expect((await call()).statusCode).toBe(401);
    const entry = await lastAudit();
    expect(entry).toMatchObject({ actor: 'root', action: 'api-token.revoke', target: `api-token ${t.id}` });
    expect(JSON.parse(entry!.before)).toMatchObject({ id: t.id, revokedAt: null, label: 'glpi' });
    expect(JSON.parse(entry!.after)).toMatchObject({ revokedBy: 'root' });
    expect((await submit('root', '/users/api-tokens/revoke', { id: t.id })).statusCode).toBe(404);
  });

  it('refuses a form without the session token or from another origin, and changes nothing', async () => {
    const before = await listGrants(db);
    const { cookie } = await as('root');
    const form = { username: 'alice', role: 'admin', scope: 'all', name: '' };
    const noToken = await app.inject({
      method: 'POST',
      url: '/users/grant',
      headers: { cookie },
      payload: form,
    });
    const foreign = await submit('root', '/users/grant', form, { origin: 'https://evil.example' });
    expect([noToken.statusCode, foreign.statusCode]).toEqual([403, 403]);
    expect(await listGrants(db)).toEqual(before);
  });

  it('refuses non-admins and site-scoped admins on every change, and lets nobody lock themselves out', async () => {
    const form = { username: 'alice', role: 'admin', scope: 'all', name: '' };
    for (const who of ['site-admin', 'auditor', 'viewer'])
      expect((await submit(who, '/users/grant', form)).statusCode, who).toBe(403);
    const self = await submit('root', '/users/state', { username: 'root', state: 'disabled' });
    expect([self.statusCode, self.body.includes('cannot disable your own account')]).toEqual([400, true]);
    const own = await submit('root', '/users/revoke', {
      username: 'root',
      role: 'admin',
      scope: 'all',
      name: '',
    });
    expect(own.statusCode).toBe(400);
    expect((await listGrants(db)).some((g) => g.username === 'alice')).toBe(false);
    expect((await listGrants(db)).some((g) => g.username === 'root' && g.role === 'admin')).toBe(true);
  });
});
