/**
 * The read API as an integration sees it, run against each database (api.test.ts: SQLite,
 * api-postgres.test.ts: PostgreSQL): paging with a cursor that neither repeats nor skips,
 * filters (site, verdict, changedSince), one device with findings and evidence whose hostile
 * strings come back intact as JSON, tokens that are not agent tokens (and the reverse),
 * revoked and wrong-role tokens refused, and every call in the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { setRemediation } from '../../src/collector/store/queries.js';
import { sha256 } from '../../src/collector/store/secrets.js';
import { type ApiWorld, apiGet, HOSTILE, startApiWorld } from './api-fixture.js';
import { hikvisionCamera, makeReport } from './fixtures.js';
import { post } from './suite.js';

interface Page {
  readonly nextCursor: string | null;
  readonly [key: string]: unknown;
}

export function apiSuite(backend: string, location: (() => Promise<string>) | null): void {
  describe.skipIf(location === null)(`read API (${backend})`, () => {
    let w: ApiWorld;
    beforeAll(async () => {
      w = await startApiWorld(await location!());
    });
    afterAll(async () => {
      await w?.close();
    });

    /** Follows nextCursor from `first` to the end; returns every item of `key`. */
    async function walk(first: string, key: string, token: string) {
      const items: { id?: number; deviceId?: number; rule?: string }[] = [];
      let url: string | null = first;
      let pages = 0;
      while (url) {
        const res = await apiGet(w.app, url, token);
        expect(res.statusCode, url).toBe(200);
        const body = res.json() as Page;
        items.push(...(body[key] as typeof items));
        pages++;
        const sep = first.includes('?') ? '&' : '?';
        url = body.nextCursor ? `${first}${sep}cursor=${body.nextCursor}` : null;
      }
      return { items, pages };
    }

    it('pages through every device once, in small pages as in one', async () => {
      const whole = await walk('/api/v1/devices?limit=500', 'devices', w.tokens.viewer);
      expect(whole.pages).toBe(1);
      expect(whole.items).toHaveLength(8);
      const paged = await walk('/api/v1/devices?limit=3', 'devices', w.tokens.viewer);
      expect(paged.pages).toBe(3);
      expect(paged.items.map((d) => d.id)).toEqual(whole.items.map((d) => d.id));
    });

    it('bounds the page size and refuses a cursor from another list', async () => {
      expect((await apiGet(w.app, '/api/v1/devices?limit=501', w.tokens.viewer)).statusCode).toBe(400);
      expect((await apiGet(w.app, '/api/v1/devices?limit=0', w.tokens.viewer)).statusCode).toBe(400);
      const scans = (await apiGet(w.app, '/api/v1/coverage?limit=1', w.tokens.viewer)).json() as Page;
      expect(scans.nextCursor).not.toBeNull();
      const wrong = await apiGet(w.app, `/api/v1/devices?cursor=${scans.nextCursor}`, w.tokens.viewer);
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({ code: 'C_BAD_QUERY' });
    });

    it('refuses a query parameter the route does not know, rather than ignore a mistyped filter', async () => {
      const typo = await apiGet(w.app, '/api/v1/devices?verdikt=covered', w.tokens.viewer);
      expect([typo.statusCode, typo.json().code, typo.json().error]).toEqual([
        400,
        'C_BAD_QUERY',
        '"verdikt" is not a parameter of this route (see /api/v1/openapi.json)',
      ]);
      expect((await apiGet(w.app, '/api/v1/sites?x%3Cb%3E=1', w.tokens.viewer)).json().error).toMatch(
        /^a query parameter is not/,
      );
    });

    it('filters by site and verdict', async () => {
      const covered = await walk(
        '/api/v1/devices?site=city-hall&verdict=covered',
        'devices',
        w.tokens.viewer,
      );
      expect(covered.items.map((d) => (d as { ip?: string }).ip).sort()).toEqual([
        '10.20.0.64',
        '10.20.0.70',
        '10.20.0.99',
      ]);
      const suspect = await walk('/api/v1/devices?verdict=suspect', 'devices', w.tokens.viewer);
      expect(suspect.items.map((d) => (d as { ip?: string }).ip)).toEqual(['10.79.0.65']);
    });

    it('lists what changed since a time: a new report, or remediation recorded', async () => {
      const mark = new Date().toISOString();
      const none = await apiGet(w.app, `/api/v1/devices?changedSince=${mark}`, w.tokens.viewer);
      expect((none.json() as { devices: unknown[] }).devices).toEqual([]);
      await setRemediation(
        w.db,
        w.ids.city,
        { state: 'removed', approver: null, reason: 'unplugged', expiresAt: null },
        'op',
      );
      // A report stamped last week but received now is news too (the agent spooled it).
      const late = makeReport([hikvisionCamera({ ip: '10.79.0.200', mac: '58:50:ed:79:00:c8' })], {
        site: 'school-east',
        at: '2026-11-01T00:00:00.000Z',
      });
      await w.db.tx((q) => ingestReport(q, late, { tokenId: null }));
      const changed = await walk(`/api/v1/devices?changedSince=${mark}`, 'devices', w.tokens.viewer);
      expect(changed.items.map((d) => (d as { ip?: string }).ip).sort()).toEqual([
        '10.20.0.64',
        '10.79.0.200',
      ]);
      const city = changed.items.find((d) => d.id === w.ids.city) as { remediation?: { state: string } };
      expect(city.remediation?.state).toBe('removed');
    });

    it('counts an exemption that ran out as a change, though nothing was written then', async () => {
      const exemption = { state: 'exempted' as const, approver: 'cio', reason: 'isolated', expiresAt: null };
      await setRemediation(w.db, w.ids.school, exemption, 'approver');
      const before = new Date(Date.now() - 60_000).toISOString();
      const mark = new Date().toISOString();
      // Recorded long ago, ran out a moment after the mark.
      await w.db.run('UPDATE remediation SET updated_at = ?, expires_at = ? WHERE device_id = ?', [
        before,
        new Date(Date.parse(mark) + 1).toISOString(),
        w.ids.school,
      ]);
      await new Promise((r) => setTimeout(r, 10));
      const changed = await walk(
        `/api/v1/devices?changedSince=${mark}&site=school-east`,
        'devices',
        w.tokens.viewer,
      );
      const school = changed.items.find((d) => d.id === w.ids.school) as { remediation?: { state: string } };
      expect(school?.remediation?.state).toBe('open');
    });

    it('returns one device with findings and evidence, device strings intact as JSON', async () => {
      const res = await apiGet(w.app, `/api/v1/devices/${w.ids.hostile}`, w.tokens.viewer);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      // Control characters cannot appear raw in a JSON string: they are escaped, and parse back exactly.
      expect(res.body).not.toContain('\u001b');
      expect(res.body).toContain('\\u001b[31m\\u0007');
      const d = res.json() as {
        model: string;
        hostnames: string[];
        findings: { rule: string }[];
        evidence: { key: string; value: string }[];
      };
      expect(d.model).toBe(HOSTILE);
      expect(d.hostnames).toEqual([HOSTILE]);
      expect(d.evidence).toEqual([{ probe: 'http', key: 'http.html.title', value: HOSTILE, port: 80 }]);
      expect(d.findings.map((f) => f.rule)).toEqual(['us-ndaa-889', 'us-fcc-covered-list']);
      expect((await apiGet(w.app, '/api/v1/devices/999999', w.tokens.viewer)).statusCode).toBe(404);
    });

    it('lists findings one per rule per device, resuming inside a device with two', async () => {
      const whole = await walk('/api/v1/findings?limit=500', 'findings', w.tokens.viewer);
      const key = (f: { deviceId?: number; rule?: string }) => `${f.deviceId}/${f.rule}`;
      expect(whole.items.filter((f) => f.deviceId === w.ids.hostile).map((f) => f.rule)).toEqual([
        'us-ndaa-889',
        'us-fcc-covered-list',
      ]);
      for (const size of [1, 2, 3]) {
        const paged = await walk(`/api/v1/findings?limit=${size}`, 'findings', w.tokens.viewer);
        expect(paged.items.map(key), `limit ${size}`).toEqual(whole.items.map(key));
      }
      const fcc = await walk('/api/v1/findings?rule=us-fcc-covered-list', 'findings', w.tokens.viewer);
      expect(fcc.items.map(key)).toEqual([`${w.ids.hostile}/us-fcc-covered-list`]);
    });

    it('gives coverage per scan and per site', async () => {
      const scans = await walk('/api/v1/coverage?site=school-east', 'scans', w.tokens.viewer);
      const withCoverage = scans.items as { coverage: { blindSpots: { subject: string }[] } | null }[];
      expect(withCoverage[0]?.coverage?.blindSpots.map((b) => b.subject)).toEqual(['10.79.0.0/24']);
      const sites = (await apiGet(w.app, '/api/v1/sites', w.tokens.viewer)).json() as {
        sites: { name: string; latestCoverage: unknown }[];
      };
      expect(sites.sites.map((s) => s.name)).toEqual(['city-hall', 'school-east']);
      expect(sites.sites[1]?.latestCoverage).not.toBeNull();
    });

    it('refuses a missing, unknown, revoked or agent token with 401, and an API token on the agent route', async () => {
      const none = await apiGet(w.app, '/api/v1/devices', null);
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="camsweep"');
      expect((await apiGet(w.app, '/api/v1/devices', w.agentToken)).json()).toMatchObject({
        code: 'C_API_TOKEN',
      });
      const forged = w.tokens.viewer.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await apiGet(w.app, '/api/v1/devices', forged)).statusCode).toBe(401);
      const revoked = await apiGet(w.app, '/api/v1/devices', w.tokens.revoked);
      expect([revoked.statusCode, revoked.json().code]).toEqual([401, 'C_API_TOKEN_REVOKED']);
      const pushed = await post(
        w.app,
        w.tokens.auditor,
        makeReport([hikvisionCamera()], { site: 'city-hall' }),
      );
      expect([pushed.status, pushed.json.code]).toEqual([401, 'C_UNKNOWN_TOKEN']);
    });

    it('refuses a role without the permission with 403 (the audit trail is for auditors)', async () => {
      const viewer = await apiGet(w.app, '/api/v1/audit', w.tokens.viewer);
      expect([viewer.statusCode, viewer.json().code]).toEqual([403, 'C_API_ROLE']);
      expect((await apiGet(w.app, '/api/v1/audit', w.tokens.auditor)).statusCode).toBe(200);
    });

    it('stores only the digest of a token', async () => {
      const rows = await w.db.all<{ secret_sha256: string }>('SELECT secret_sha256 FROM api_tokens');
      const secret = w.tokens.viewer.split('_').slice(2).join('_');
      expect(rows.map((r) => r.secret_sha256)).toContain(sha256(secret));
      expect(JSON.stringify(rows)).not.toContain(secret);
    });

    it('writes every accepted call to the audit trail, under the token and the site asked for', async () => {
      await apiGet(w.app, '/api/v1/devices?site=school-east&limit=7', w.tokens['school-viewer']);
      const row = await w.db.get<{ actor: string; action: string; target: string; site: string }>(
        'SELECT actor, action, target, site FROM audit_log ORDER BY id DESC LIMIT 1',
      );
      expect(row).toEqual({
        actor: `api-token:${w.tokenIds['school-viewer']}`,
        action: 'api.read',
        target: 'GET /api/v1/devices?site=school-east&limit=7',
        site: 'school-east',
      });
      const refused = await w.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_log WHERE actor = ?`, [
        `api-token:${w.tokenIds.revoked}`,
      ]);
      expect(refused?.n).toBe(0);
    });
  });
}
