/**
 * OIDC sign-in against a real provider (the oidc-provider package over HTTPS with a test CA on
 * 127.0.0.1): authorization code with PKCE, the groups claim mapped to roles with site scope,
 * a user in no mapped group, a callback whose state belongs to another login (login CSRF), a
 * replayed callback, an error from the provider, and a group taken away at the provider taking
 * the role away at the next sign-in. Every outcome lands in the audit trail.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCollectorConfig } from '../../src/collector/auth/config.js';
import { createAgentToken } from '../../src/collector/store/access.js';
import { listGrants } from '../../src/collector/store/roles.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { labReport } from './fixtures.js';
import { freePort, type RunningCollector, startCollector, tempDir } from './harness.js';
import { AUDITORS, CITY_HALL_VIEWERS, OIDC_USERS, oidcYaml } from './peers/directory-config.js';
import { loginAtProvider, type RunningProvider, startProvider } from './peers/oidc-provider.js';
import { cookiesOf, loginError, overviewSites } from './peers/sign-in.js';
import { post } from './suite.js';

describe('OIDC sign-in against oidc-provider', () => {
  const dir = tempDir('csw-oidc-');
  let pki: TestPki;
  let idp: RunningProvider;
  let c: RunningCollector;

  beforeAll(async () => {
    pki = makeTestPki(dir.path);
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/login/oidc/callback`;
    idp = await startProvider(pki, redirectUri, OIDC_USERS);
    const file = join(dir.path, 'collector.yaml');
    writeFileSync(file, oidcYaml(idp.issuer, redirectUri, dir.path, pki.ca));
    c = await startCollector(join(dir.path, 'c.db'), { auth: loadCollectorConfig(file).auth, port });
    expect((await post(c.app, c.token, labReport({ site: 'city-hall' }))).status).toBe(201);
    const { token } = await createAgentToken(c.db, 'library', null);
    expect((await post(c.app, token, labReport({ site: 'library' }))).status).toBe(201);
  });
  afterAll(async () => {
    await c?.stop();
    await idp?.stop();
    dir.remove();
  });

  /** The collector's redirect to the provider and the cookie binding the flow to this "browser". */
  const start = async () => {
    const res = await c.app.inject({ method: 'GET', url: '/login/oidc' });
    expect(res.statusCode).toBe(303);
    const flow = cookiesOf(res.headers['set-cookie']).csw_oidc;
    expect(flow).toBeTruthy();
    const location = String(res.headers.location);
    const params = new URL(location).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return { location, cookie: `csw_oidc=${flow}` };
  };
  const callback = async (url: string, cookie: string) => {
    const u = new URL(url);
    const res = await c.app.inject({ method: 'GET', url: `${u.pathname}${u.search}`, headers: { cookie } });
    const session = cookiesOf(res.headers['set-cookie']).csw_session;
    return { status: res.statusCode, body: res.body, cookie: session ? `csw_session=${session}` : '' };
  };
  const signIn = async (user: string) => {
    const s = await start();
    const back = await loginAtProvider(pki, s.location, user);
    return { ...(await callback(back, s.cookie)), back, flowCookie: s.cookie };
  };
  const lastAudit = async () =>
    (await c.db.get<{ action: string; target: string; after: string }>(
      'SELECT action, target, after_json AS after FROM audit_log ORDER BY id DESC LIMIT 1',
    ))!;

  it('signs a user in with PKCE and gives the roles their groups claim maps to, scoped to their site', async () => {
    const r = await signIn('oscar');
    expect(r.status).toBe(200);
    expect(r.body).toContain('http-equiv="refresh"');
    expect(r.cookie).not.toBe('');
    expect(await overviewSites(c.app, r.cookie)).toEqual(['city-hall']);
    const audit = await lastAudit();
    expect(audit).toMatchObject({ action: 'sign-in', target: 'oscar' });
    expect(JSON.parse(audit.after)).toMatchObject({
      method: 'oidc',
      roles: [{ role: 'viewer', name: 'city-hall' }],
    });
    const olga = await signIn('olga');
    expect(await overviewSites(c.app, olga.cookie)).toEqual(['city-hall', 'library']);
  });

  it('refuses a callback whose state belongs to another login (login CSRF) and keeps no session', async () => {
    const victim = await start();
    const attacker = await start();
    const attackersCallback = await loginAtProvider(pki, attacker.location, 'olga');
    const r = await callback(attackersCallback, victim.cookie);
    expect(r.status).toBe(401);
    expect(r.cookie).toBe('');
    expect(loginError(r.body)).toContain('did not complete');
    const audit = await lastAudit();
    expect(audit.action).toBe('sign-in.failed');
    expect(JSON.parse(audit.after)).toMatchObject({ method: 'oidc', reason: 'refused' });
    expect(JSON.parse(audit.after).detail).toMatch(/state/i);
    // A callback with no flow cookie at all (another browser) is refused as well.
    const noCookie = await callback(attackersCallback, '');
    expect([noCookie.status, noCookie.cookie]).toEqual([401, '']);
  });

  it('refuses a replayed callback: the code and its flow are used once', async () => {
    const first = await signIn('oscar');
    expect(first.status).toBe(200);
    const replay = await callback(first.back, first.flowCookie);
    expect(replay.status).toBe(401);
    expect(replay.cookie).toBe('');
    expect(loginError(replay.body)).toContain('expired or was already used');
    // Even inside a fresh flow, the old code does not pass (its state is not this flow's).
    const fresh = await start();
    const again = await callback(first.back, fresh.cookie);
    expect([again.status, again.cookie]).toEqual([401, '']);
  });

  it('refuses a callback carrying an error from the provider', async () => {
    const s = await start();
    const state = new URL(s.location).searchParams.get('state')!;
    const r = await callback(
      `http://x/login/oidc/callback?error=access_denied&error_description=${encodeURIComponent('<b>no</b>')}&state=${state}`,
      s.cookie,
    );
    expect(r.status).toBe(401);
    expect(r.body).not.toContain('<b>no</b>');
  });

  it('refuses a user in no mapped group with a clear message', async () => {
    const r = await signIn('nina');
    expect(r.status).toBe(403);
    expect(r.cookie).toBe('');
    expect(loginError(r.body)).toContain('none of the groups this collector maps to a role');
    expect(await lastAudit()).toMatchObject({ action: 'sign-in.refused', target: 'nina' });
  });

  it('takes a role away at the next sign-in once the provider stops sending the group', async () => {
    idp.users.set('olga', [AUDITORS, CITY_HALL_VIEWERS]);
    const both = await signIn('olga');
    const roles = (await listGrants(c.db)).filter((g) => g.username === 'olga').map((g) => g.role);
    expect(roles.sort()).toEqual(['auditor', 'viewer']);
    expect(await overviewSites(c.app, both.cookie)).toEqual(['city-hall', 'library']);
    idp.users.set('olga', [CITY_HALL_VIEWERS]);
    const viewerOnly = await signIn('olga');
    expect(await overviewSites(c.app, viewerOnly.cookie)).toEqual(['city-hall']);
    expect((await listGrants(c.db)).filter((g) => g.username === 'olga').map((g) => g.role)).toEqual([
      'viewer',
    ]);
    idp.users.set('olga', []);
    expect((await signIn('olga')).status).toBe(403);
    expect((await listGrants(c.db)).filter((g) => g.username === 'olga')).toEqual([]);
  });

  it('refuses an issuer that is not https in the config', () => {
    const file = join(dir.path, 'http-issuer.yaml');
    writeFileSync(
      file,
      oidcYaml('http://127.0.0.1:1', 'http://127.0.0.1:2/login/oidc/callback', dir.path, pki.ca),
    );
    expect(() => loadCollectorConfig(file)).toThrow(/auth\.oidc\.issuer: must be a URL starting https:\/\//);
  });
});
