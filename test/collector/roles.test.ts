/**
 * The role-by-route matrix: every route of the collector, walked with each role (and with a
 * user scoped to one site group), checked for the status it answers and, for the scoped users,
 * for what the page, export or API must not reveal about another site. A route added without
 * a row here fails the first test, so nobody can add a page and forget its roles.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardAttestation } from '../../agent/commands/attestation.js';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { buildCollector } from '../../src/collector/server.js';
import { createAgentToken, createSession, createUser } from '../../src/collector/store/access.js';
import { createApiToken, revokeApiToken } from '../../src/collector/store/api-tokens.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { addSiteToGroup, type Grant, grantRole } from '../../src/collector/store/roles.js';
import { silentLogger } from '../../src/core/log.js';
import { TOKEN_GRANTS, type TokenName } from './api-fixture.js';
import { hikvisionCamera, makeReport } from './fixtures.js';
import { servedRoutes, tempDir } from './harness.js';

const CITY_IP = '10.20.0.64';
const SCHOOL_IP = '10.77.0.5';

/** Who walks the routes: a user per role over every site, users scoped to the schools group, and one with no role. */
const USERS: Record<string, Grant[]> = {
  viewer: [{ role: 'viewer', kind: 'all', name: '' }],
  auditor: [{ role: 'auditor', kind: 'all', name: '' }],
  operator: [{ role: 'operator', kind: 'all', name: '' }],
  approver: [{ role: 'approver', kind: 'all', name: '' }],
  admin: [{ role: 'admin', kind: 'all', name: '' }],
  'school-viewer': [{ role: 'viewer', kind: 'group', name: 'schools' }],
  'school-auditor': [{ role: 'auditor', kind: 'group', name: 'schools' }],
  'school-approver': [{ role: 'approver', kind: 'site', name: 'school-east' }],
  'no-role': [],
};
type Who = keyof typeof USERS | 'anonymous';
const SIGNED_IN = Object.keys(USERS);
const SCOPED = ['school-viewer', 'school-auditor', 'school-approver'];

interface Probe {
  readonly method: 'GET' | 'POST';
  readonly url: (ids: { city: number; school: number }) => string;
  readonly body?: Record<string, string>;
  /** Expected status per user; anyone not listed gets `otherwise`. */
  readonly expect: Partial<Record<Who, number>>;
  readonly otherwise: number;
}

const EXEMPTION = { state: 'exempted', reason: 'replacement ordered', expires: '2027-06-30' };
const all = (status: number, who: readonly string[]) => Object.fromEntries(who.map((w) => [w, status]));

/** Exports and the audit trail: auditors only, each within their sites. */
function auditorOnly(url: string): Probe {
  return {
    method: 'GET',
    url: () => url,
    expect: { auditor: 200, 'school-auditor': 200, anonymous: 303 },
    otherwise: 403,
  };
}

const BYSTANDER_GRANT = { username: 'bystander', role: 'viewer', scope: 'site', name: 'school-west' };
/** Filled in once the token exists; read when the request is sent. */
const THROWAWAY_TOKEN = { id: '' };

/** A user-management form: only an admin over every site gets through (303 back to /users). */
function adminOnly(url: string, body: Record<string, string>): Probe {
  return { method: 'POST', url: () => url, body, expect: { admin: 303 }, otherwise: 403 };
}

/** The matrix, keyed by the route as fastify registered it. */
const MATRIX: Record<string, Probe[]> = {
  'GET /': [
    {
      method: 'GET',
      url: () => '/',
      expect: { ...all(200, SIGNED_IN), 'no-role': 403, anonymous: 303 },
      otherwise: 0,
    },
  ],
  'GET /devices': [
    {
      method: 'GET',
      url: () => '/devices',
      expect: { ...all(200, SIGNED_IN), 'no-role': 403, anonymous: 303 },
      otherwise: 0,
    },
    // Asking for another site by name shows nothing of it (checked below), not an error.
    {
      method: 'GET',
      url: () => '/devices?site=city-hall',
      expect: { ...all(200, SIGNED_IN), 'no-role': 403, anonymous: 303 },
      otherwise: 0,
    },
    {
      method: 'GET',
      url: () => `/devices?q=${CITY_IP}`,
      expect: { ...all(200, SIGNED_IN), 'no-role': 403, anonymous: 303 },
      otherwise: 0,
    },
  ],
  'GET /devices/:id': [
    {
      method: 'GET',
      url: (ids) => `/devices/${ids.city}`,
      expect: { ...all(200, SIGNED_IN), ...all(404, SCOPED), 'no-role': 403, anonymous: 303 },
      otherwise: 0,
    },
    {
      method: 'GET',
      url: (ids) => `/devices/${ids.school}`,
      expect: { ...all(200, SIGNED_IN), 'no-role': 403, anonymous: 303 },
      otherwise: 0,
    },
  ],
  'POST /devices/:id/remediation': [
    {
      method: 'POST',
      url: (ids) => `/devices/${ids.city}/remediation`,
      body: { state: 'removed' },
      expect: { operator: 303, approver: 303, 'school-approver': 404, anonymous: 403 },
      otherwise: 403,
    },
    {
      method: 'POST',
      url: (ids) => `/devices/${ids.school}/remediation`,
      body: { state: 'replaced' },
      expect: { operator: 303, approver: 303, 'school-approver': 303 },
      otherwise: 403,
    },
    // Separation of duties: an operator cannot grant an exemption; an approver can.
    {
      method: 'POST',
      url: (ids) => `/devices/${ids.city}/remediation`,
      body: EXEMPTION,
      expect: { approver: 303, 'school-approver': 404 },
      otherwise: 403,
    },
    {
      method: 'POST',
      url: (ids) => `/devices/${ids.school}/remediation`,
      body: EXEMPTION,
      expect: { approver: 303, 'school-approver': 303 },
      otherwise: 403,
    },
  ],
  'GET /export/devices.csv': [
    auditorOnly('/export/devices.csv'),
    auditorOnly('/export/devices.csv?site=city-hall'),
  ],
  'GET /export/devices.json': [auditorOnly('/export/devices.json')],
  // The audit trail: auditors (a scoped one sees only entries about their sites); admins manage, they do not audit.
  'GET /audit': [auditorOnly('/audit')],
  'GET /export/audit.csv': [auditorOnly('/export/audit.csv')],
  // Attestations: auditors, over their own sites only (another site's is "no scan on record").
  'GET /attestation': [
    {
      method: 'GET',
      url: () => '/attestation?site=city-hall&format=html',
      expect: { auditor: 200, 'school-auditor': 404, anonymous: 303 },
      otherwise: 403,
    },
    auditorOnly('/attestation?format=html'),
  ],
  'POST /logout': [
    { method: 'POST', url: () => '/logout', body: {}, expect: { ...all(303, SIGNED_IN) }, otherwise: 403 },
  ],
  'GET /login': [{ method: 'GET', url: () => '/login', expect: {}, otherwise: 200 }],
  // Without the sign-in form's cookie and token a post is refused, whoever sends it.
  'POST /login': [
    {
      method: 'POST',
      url: () => '/login',
      body: { username: 'x', password: 'y' },
      expect: {},
      otherwise: 403,
    },
  ],
  // Single sign-on (dashboard/login.ts): public, and 404 on a collector without auth.oidc, as here.
  'GET /login/oidc': [{ method: 'GET', url: () => '/login/oidc', expect: {}, otherwise: 404 }],
  'GET /login/oidc/callback': [
    { method: 'GET', url: () => '/login/oidc/callback?code=x&state=y', expect: {}, otherwise: 404 },
  ],
  // User management: admins over every site only; the changes touch a bystander, never a walker.
  'GET /users': [
    { method: 'GET', url: () => '/users', expect: { admin: 200, anonymous: 303 }, otherwise: 403 },
  ],
  'POST /users/grant': [adminOnly('/users/grant', BYSTANDER_GRANT)],
  'POST /users/revoke': [adminOnly('/users/revoke', BYSTANDER_GRANT)],
  'POST /users/state': [
    adminOnly('/users/state', { username: 'bystander', state: 'disabled' }),
    adminOnly('/users/state', { username: 'bystander', state: 'enabled' }),
  ],
  'POST /users/api-tokens/revoke': [adminOnly('/users/api-tokens/revoke', THROWAWAY_TOKEN)],
  'GET /static/app.css': [{ method: 'GET', url: () => '/static/app.css', expect: {}, otherwise: 200 }],
  // The agent API takes agent tokens only: a dashboard session of any role opens nothing.
  'GET /api/v1/health': [{ method: 'GET', url: () => '/api/v1/health', expect: {}, otherwise: 200 }],
  'POST /api/v1/reports': [
    { method: 'POST', url: () => '/api/v1/reports', body: {}, expect: {}, otherwise: 401 },
  ],
};

/** Who calls the read API: an API token per grant (TOKEN_GRANTS), an agent token, or nothing. */
type Caller = TokenName | 'agent' | 'none';
const CALLERS: Caller[] = [...(Object.keys(TOKEN_GRANTS) as TokenName[]), 'agent', 'none'];
const SCOPED_TOKENS: Caller[] = ['school-viewer', 'school-site-viewer', 'school-auditor'];
const READERS = CALLERS.filter((c) => c !== 'revoked' && c !== 'agent' && c !== 'none');
const ALL_SITE_READERS = READERS.filter((c) => !SCOPED_TOKENS.includes(c));

interface ApiProbe {
  readonly url: (ids: { city: number; school: number }) => string;
  readonly expect: Partial<Record<Caller, number>>;
  /** Anyone not listed: revoked, agent and missing tokens are 401 unless the row says otherwise. */
  readonly otherwise: number;
}

/** Read by every API token's role; another site named in the query shows nothing (checked below), not an error. */
const readable = (url: string): ApiProbe => ({ url: () => url, expect: all(200, READERS), otherwise: 401 });

/** The read API with tokens, keyed by the route as fastify registered it. */
const API_MATRIX: Record<string, ApiProbe[]> = {
  'GET /api/v1/devices': [readable('/api/v1/devices'), readable('/api/v1/devices?site=city-hall')],
  'GET /api/v1/devices/:id': [
    {
      url: (ids) => `/api/v1/devices/${ids.city}`,
      expect: { ...all(200, ALL_SITE_READERS), ...all(404, SCOPED_TOKENS) },
      otherwise: 401,
    },
    { url: (ids) => `/api/v1/devices/${ids.school}`, expect: all(200, READERS), otherwise: 401 },
  ],
  'GET /api/v1/findings': [readable('/api/v1/findings'), readable('/api/v1/findings?site=city-hall')],
  'GET /api/v1/coverage': [readable('/api/v1/coverage'), readable('/api/v1/coverage?site=city-hall')],
  'GET /api/v1/sites': [readable('/api/v1/sites')],
  // The audit trail: auditor tokens only, each within its sites.
  'GET /api/v1/audit': [
    {
      url: () => '/api/v1/audit',
      expect: { ...all(403, READERS), auditor: 200, 'school-auditor': 200 },
      otherwise: 401,
    },
  ],
  'GET /api/v1/openapi.json': [{ url: () => '/api/v1/openapi.json', expect: {}, otherwise: 200 }],
};

// A dashboard session opens nothing in the read API (the document is public).
for (const [route, probes] of Object.entries(API_MATRIX))
  MATRIX[route] = [
    {
      method: 'GET',
      url: probes[0]!.url,
      expect: {},
      otherwise: route.endsWith('/openapi.json') ? 200 : 401,
    },
  ];

describe('roles and site scoping: every route with every role', () => {
  const dir = tempDir('csw-roles-');
  let db: Database;
  let app: FastifyInstance;
  const ids = { city: 0, school: 0 };
  const userIds: Record<string, number> = {};
  const bearer: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    db = await openDatabase(`${dir.path}/c.db`);
    const city = makeReport([hikvisionCamera()], { site: 'city-hall' });
    const school = makeReport([hikvisionCamera({ ip: SCHOOL_IP, mac: '58:50:ed:00:00:05' })], {
      site: 'school-east',
    });
    await db.tx((q) => ingestReport(q, city, { tokenId: null }));
    await db.tx((q) => ingestReport(q, school, { tokenId: null }));
    ids.city = (await db.get<{ id: number }>('SELECT id FROM devices WHERE ip = ?', [CITY_IP]))!.id;
    ids.school = (await db.get<{ id: number }>('SELECT id FROM devices WHERE ip = ?', [SCHOOL_IP]))!.id;
    await addSiteToGroup(db, 'schools', 'school-east');
    await addSiteToGroup(db, 'schools', 'school-west');
    for (const [name, grants] of Object.entries(USERS)) {
      await createUser(db, name, 'a long enough test password');
      for (const g of grants) expect(await grantRole(db, name, g)).toBe(true);
      userIds[name] = (await db.get<{ id: number }>('SELECT id FROM users WHERE username = ?', [name]))!.id;
    }
    for (const [name, grant] of Object.entries(TOKEN_GRANTS) as [TokenName, Grant][]) {
      const t = await createApiToken(db, grant, name, 'test');
      bearer[name] = t.token;
      if (name === 'revoked') await revokeApiToken(db, t.id, 'test');
    }
    bearer.agent = (await createAgentToken(db, 'school-east', 'agent')).token;
    THROWAWAY_TOKEN.id = (await createApiToken(db, TOKEN_GRANTS.viewer, 'throwaway', 'test')).id;
    await createUser(db, 'bystander', 'a long enough test password');
    app = await buildCollector({
      db,
      log: silentLogger,
      attestation: (snaps, format) => dashboardAttestation(snaps, format, 'County'),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    dir.remove();
  });

  /** One request as `who`, each with a fresh session (sign-out ends one). */
  async function send(who: Who, probe: Probe) {
    let cookie = '';
    let csrf = '';
    if (who !== 'anonymous') {
      const s = await createSession(db, userIds[who]!);
      cookie = `csw_session=${s.cookie}`;
      csrf = s.csrf;
    }
    return app.inject({
      method: probe.method,
      url: probe.url(ids),
      headers: cookie ? { cookie } : {},
      ...(probe.method === 'POST'
        ? { payload: { ...probe.body, ...(csrf && probe.url(ids) !== '/login' ? { _csrf: csrf } : {}) } }
        : {}),
    });
  }

  it('has a row for every route the collector serves', () => {
    const keys = new Set(servedRoutes(app.printRoutes({ commonPrefix: false })));
    expect(keys.size).toBeGreaterThanOrEqual(10);
    const missing = [...keys].filter((k) => !(k in MATRIX));
    expect(missing, 'routes without a row in the role matrix').toEqual([]);
    expect(
      Object.keys(MATRIX).filter((k) => !keys.has(k)),
      'matrix rows for routes that no longer exist',
    ).toEqual([]);
  });

  for (const who of [...SIGNED_IN, 'anonymous'] as Who[]) {
    it(`answers ${who} as the matrix says on every route`, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const [route, probes] of Object.entries(MATRIX)) {
        for (const probe of probes) {
          const res = await send(who, probe);
          const label = `${route} ${probe.url(ids)} ${probe.body?.state ?? ''}`;
          got.push(`${label} → ${res.statusCode}`);
          want.push(`${label} → ${probe.expect[who] ?? probe.otherwise}`);
        }
      }
      expect(got).toEqual(want);
    });
  }

  it('shows a site-scoped user nothing of another site in any page, export or API', async () => {
    for (const who of SCOPED) {
      for (const [route, probes] of Object.entries(MATRIX)) {
        for (const probe of probes.filter((p) => p.method === 'GET')) {
          const res = await send(who, probe);
          const where = `${who} ${route} ${probe.url(ids)}`;
          // The user's own query is echoed back in form fields and export links; nothing else may name the city.
          const shown = res.body.replace(/(value|href)="[^"]*"/g, '');
          expect(shown, where).not.toContain(CITY_IP);
          expect(shown, where).not.toContain('city-hall');
          expect(shown, where).not.toContain('58:50:ed:1f:e3:85');
        }
      }
    }
    // And what they may see, they do see.
    const list = await send('school-viewer', MATRIX['GET /devices']![0]!);
    expect(list.body).toContain(SCHOOL_IP);
    const csv = await send('school-auditor', MATRIX['GET /export/devices.csv']![0]!);
    expect(csv.body).toContain(SCHOOL_IP);
    expect(csv.body.trim().split('\r\n')).toHaveLength(2);
  });

  /** One read-API request as `who`. */
  function call(who: Caller, probe: ApiProbe) {
    const token = bearer[who];
    return app.inject({
      method: 'GET',
      url: probe.url(ids),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  }

  it('has a row for every read-API route', () => {
    const api = servedRoutes(app.printRoutes({ commonPrefix: false })).filter(
      (k) => k.startsWith('GET /api/') && k !== 'GET /api/v1/health',
    );
    expect(api.sort()).toEqual(Object.keys(API_MATRIX).sort());
  });

  for (const who of CALLERS) {
    it(`answers the API token ${who} as the matrix says on every API route`, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const [route, probes] of Object.entries(API_MATRIX)) {
        for (const probe of probes) {
          const res = await call(who, probe);
          got.push(`${route} ${probe.url(ids)} → ${res.statusCode}`);
          want.push(`${route} ${probe.url(ids)} → ${probe.expect[who] ?? probe.otherwise}`);
        }
      }
      expect(got).toEqual(want);
    });
  }

  it('shows a site-scoped API token nothing of another site through any API route', async () => {
    for (const who of SCOPED_TOKENS) {
      for (const [route, probes] of Object.entries(API_MATRIX)) {
        for (const probe of probes) {
          const res = await call(who, probe);
          const where = `${who} ${route} ${probe.url(ids)}`;
          // The audit trail may quote the caller's own query; nothing else may name the city.
          const shown = res.body.replace(/"target":"[^"]*"/g, '');
          expect(shown, where).not.toContain(CITY_IP);
          expect(shown, where).not.toContain('city-hall');
          expect(shown, where).not.toContain('58:50:ed:1f:e3:85');
        }
      }
      // And what the token may see, it does see.
      const list = await call(who, API_MATRIX['GET /api/v1/devices']![0]!);
      expect(list.body, who).toContain(SCHOOL_IP);
    }
  });

  it('shows the remediation form only where the server accepts it, the exemption fields only to approvers', async () => {
    const [, removal, , exemption] = MATRIX['POST /devices/:id/remediation']!;
    for (const who of SIGNED_IN.filter((w) => w !== 'no-role')) {
      const page = await send(who, {
        method: 'GET',
        url: (i) => `/devices/${i.school}`,
        expect: {},
        otherwise: 200,
      });
      expect(page.statusCode, who).toBe(200);
      const shown = {
        remediation: page.body.includes('<form class="remediation"'),
        exemption:
          page.body.includes('<fieldset class="exemption">') && page.body.includes('value="exempted"'),
      };
      const accepted = {
        remediation: (removal!.expect[who as Who] ?? removal!.otherwise) === 303,
        exemption: (exemption!.expect[who as Who] ?? exemption!.otherwise) === 303,
      };
      expect(shown, who).toEqual(accepted);
    }
    // Both kinds of refusal are real, and the matrix above holds them: an operator's exemption is 403.
    expect(exemption!.expect.operator ?? exemption!.otherwise).toBe(403);
    expect(removal!.expect.viewer ?? removal!.otherwise).toBe(403);
  });

  it('names the signed-in approver when an exemption form leaves the approver empty', async () => {
    const rows = await db.all<{ approver: string; updated_by: string }>(
      'SELECT approver, updated_by FROM remediation WHERE device_id = ?',
      [ids.school],
    );
    expect(rows).toHaveLength(1);
    expect(['approver', 'school-approver']).toContain(rows[0]!.approver);
    expect(rows[0]!.approver).toBe(rows[0]!.updated_by);
  });
});
