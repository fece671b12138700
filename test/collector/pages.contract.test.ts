/**
 * The contract every dashboard page plugin must keep (src/collector/README.md, "Add a dashboard
 * page"): each route declares its access and a schema for what it reads, refuses anonymous
 * use, refuses a repeated query parameter with 400, and shows a hostile device string only as
 * inert text (HTML-escaped, bidi overrides and NUL made visible, CSV formulas neutralised).
 */
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieNames, dashboard } from '../../src/collector/dashboard/index.js';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { errorHandler } from '../../src/collector/routes/errors.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { silentLogger } from '../../src/core/log.js';
import { hikvisionCamera, makeReport } from './fixtures.js';
import { ADMIN, createUserWithEveryRole, tempDir } from './harness.js';
import { login } from './suite.js';

const RLO = '\u202e';
const HOSTILE = `<script>alert(9)</script>${RLO}gpj.exe\u0000"'`;
const SITE = `<b>site</b>${RLO}x`;

describe('dashboard page contract', () => {
  const dir = tempDir('csw-pages-');
  let db: Database;
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];
  let deviceId = 0;

  beforeAll(async () => {
    db = await openDatabase(`${dir.path}/c.db`);
    await createUserWithEveryRole(db, ADMIN.username, ADMIN.password);
    const report = makeReport(
      [
        hikvisionCamera({
          hostnames: [HOSTILE],
          identity: {
            ...hikvisionCamera().identity,
            model: `=cmd|'/c calc'!A1${HOSTILE}`,
            firmware: HOSTILE,
          },
          evidence: [{ probe: 'tcp', key: 'ftp.banner', value: HOSTILE, port: 21 }],
        }),
      ],
      { site: SITE },
    );
    await db.tx((q) => ingestReport(q, report, { tokenId: null }));
    deviceId = (await db.get<{ id: number }>('SELECT id FROM devices'))!.id;
    app = Fastify();
    app.addHook('onRoute', (r) => {
      routes.push(r);
    });
    await app.register(fastifyCookie);
    app.setErrorHandler(errorHandler(silentLogger));
    await app.register(dashboard, { db, log: silentLogger, cookies: cookieNames(false) });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    dir.remove();
  });

  const pageRoutes = () => routes.filter((r) => r.method !== 'HEAD');
  const urlOf = (r: RouteOptions) => r.url.replace(':id', String(deviceId));

  it('every route declares access and a schema for each input it reads', () => {
    expect(pageRoutes().length).toBeGreaterThanOrEqual(9);
    for (const r of pageRoutes()) {
      const where = `${r.method} ${r.url}`;
      expect(r.config?.access, `${where}: config.access`).toMatch(
        /^(public|signed-in|read|export|remediate|exempt|audit|manage)$/,
      );
      if (r.method === 'GET') expect(r.schema?.querystring, `${where}: querystring schema`).toBeDefined();
      else expect(r.schema?.body, `${where}: body schema`).toBeDefined();
      if (r.url.includes(':')) expect(r.schema?.params, `${where}: params schema`).toBeDefined();
    }
  });

  it('refuses anonymous use of every signed-in route', async () => {
    for (const r of pageRoutes().filter((x) => x.config?.access !== 'public')) {
      const res = await app.inject({ method: r.method as 'GET' | 'POST', url: urlOf(r), payload: {} });
      if (r.method === 'GET') expect([res.statusCode, res.headers.location], r.url).toEqual([303, '/login']);
      else expect(res.statusCode, r.url).toBe(403);
    }
  });

  it('answers 400 to a repeated query parameter on every page that reads a query', async () => {
    const { cookie } = await login(app);
    for (const r of pageRoutes().filter((x) => x.method === 'GET')) {
      const props = Object.keys(
        (r.schema?.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
      );
      if (props.length === 0) continue;
      const name = props[0]!;
      const res = await app.inject({
        method: 'GET',
        url: `${urlOf(r)}?${name}=a&${name}=b`,
        headers: { cookie },
      });
      expect(res.statusCode, `${r.url}?${name}=a&${name}=b`).toBe(400);
    }
  });

  it('shows a hostile device string only as inert text on every signed-in page', async () => {
    const { cookie } = await login(app);
    let sawHostile = 0;
    for (const r of pageRoutes().filter((x) => x.method === 'GET' && x.config?.access !== 'public')) {
      const res = await app.inject({ method: 'GET', url: urlOf(r), headers: { cookie } });
      expect(res.statusCode, r.url).toBe(200);
      const body = res.body;
      const type = String(res.headers['content-type']);
      if (type.startsWith('application/json')) {
        expect(() => JSON.parse(body), r.url).not.toThrow();
        continue;
      }
      if (type.startsWith('text/html')) {
        expect(body, r.url).not.toContain('<script>alert(9)');
        expect(body, r.url).not.toContain('<b>site</b>');
      }
      expect(body, r.url).not.toContain(RLO);
      expect(body, r.url).not.toContain('\u0000');
      if (body.includes('\\u202e')) sawHostile++;
      if (type.startsWith('text/csv')) {
        const cells = body.split(/,|\r\n/);
        expect(cells.some((c) => c.startsWith('=') || c.startsWith('"='))).toBe(false);
      }
    }
    // The overview, list, device page and CSV each carry the device or site string.
    expect(sawHostile).toBeGreaterThanOrEqual(4);
  });
});
