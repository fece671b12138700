/**
 * The collector behaviour every database backend must show; sqlite.test.ts and
 * postgres.test.ts run it against their own database.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentToken, revokeAgentToken } from '../../src/collector/store/access.js';
import { verifyAudit } from '../../src/collector/store/audit.js';
import { deviceDetail, listDevices, overview, setRemediation } from '../../src/collector/store/queries.js';
import { ALL_SITES } from '../../src/collector/store/roles.js';
import type { Report } from '../../src/contract/types.js';
import {
  axisCamera,
  dahuaNvr,
  FORMULA_MODEL,
  hikvisionCamera,
  labReport,
  makeReport,
  switchLabReport,
  unknownHost,
  XSS_BANNER,
  XSS_HOSTNAME,
} from './fixtures.js';
import { ADMIN, type RunningCollector, startCollector } from './harness.js';

export interface Backend {
  /** A fresh, empty database location for one collector. */
  location(): Promise<string>;
}

export async function post(app: FastifyInstance, token: string | null, body: unknown) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/reports',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, json: res.json() as Record<string, unknown>, headers: res.headers };
}

function cookiesFrom(setCookie: string | string[] | undefined): Record<string, string> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(list.map((c) => c.split(';')[0]!.split('=') as [string, string]));
}

export function hiddenCsrf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field on the page');
  return m[1]!;
}

/** Signs in through the real form; returns the cookie header and the session CSRF token. */
export async function login(app: FastifyInstance, password = ADMIN.password) {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const loginCookie = cookiesFrom(form.headers['set-cookie']);
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    headers: {
      cookie: Object.entries(loginCookie)
        .map(([k, v]) => `${k}=${v}`)
        .join('; '),
    },
    payload: { username: ADMIN.username, password, _csrf: hiddenCsrf(form.body) },
  });
  const session = cookiesFrom(res.headers['set-cookie']).csw_session;
  const cookie = session ? `csw_session=${session}` : '';
  const csrf = session
    ? hiddenCsrf((await app.inject({ method: 'GET', url: '/', headers: { cookie } })).body)
    : '';
  return { status: res.statusCode, location: res.headers.location, cookie, csrf };
}

export function collectorSuite(name: string, backend: Backend | null, skipReason: string | null): void {
  describe.skipIf(backend === null)(
    `collector on ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let c: RunningCollector;
      beforeAll(async () => {
        c = await startCollector(await backend!.location(), { bodyLimit: 2 * 1024 * 1024 });
      });
      afterAll(async () => {
        await c?.stop();
      });

      const deviceCount = async (site = 'city-hall') =>
        (await listDevices(c.db, { site }, { offset: 0, limit: 1 }, ALL_SITES)).total;

      it('stores a report once, answers duplicate for a resend, also for concurrent resends', async () => {
        const report = labReport({ site: 'city-hall' });
        const first = await post(c.app, c.token, report);
        expect(first).toMatchObject({ status: 201, json: { status: 'stored', reportId: report.reportId } });
        const again = await Promise.all([1, 2, 3, 4].map(() => post(c.app, c.token, report)));
        expect(again.map((r) => [r.status, r.json.status])).toEqual(Array(4).fill([200, 'duplicate']));
        const scans = await c.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM scans WHERE report_id = ?', [
          report.reportId,
        ]);
        expect(scans[0]!.n).toBe(1);
        expect(await deviceCount()).toBe(4);

        const fresh = makeReport([hikvisionCamera({ ip: '10.20.0.65' })], { site: 'city-hall' });
        const racing = await Promise.all([1, 2, 3].map(() => post(c.app, c.token, fresh)));
        expect(racing.map((r) => r.json.status).sort()).toEqual(['duplicate', 'duplicate', 'stored']);
      });

      it('rejects a report that fails the schema with a 4xx naming the field', async () => {
        const bad = makeReport([hikvisionCamera({ ip: '10.20.0.999' })], { site: 'city-hall' });
        const res = await post(c.app, c.token, bad);
        expect(res.status).toBe(400);
        expect(res.json.field).toBe('/devices/0/ip');
        expect(String(res.json.error)).toContain('/devices/0/ip');
        const notJson = await post(c.app, c.token, '{"schema": ');
        expect(notJson.status).toBe(400);
      });

      it('refuses missing, unknown and revoked tokens, and a token of another site', async () => {
        const report = labReport({ site: 'city-hall' });
        expect((await post(c.app, null, report)).status).toBe(401);
        expect((await post(c.app, `${c.token.slice(0, -4)}AAAA`, report)).status).toBe(401);
        expect((await post(c.app, 'not-a-token', report)).status).toBe(401);
        const other = await createAgentToken(c.db, 'library', null);
        const mismatch = await post(c.app, other.token, report);
        expect(mismatch.status).toBe(403);
        expect(String(mismatch.json.error)).toContain('library');
        await revokeAgentToken(c.db, other.id);
        const revoked = await post(c.app, other.token, labReport({ site: 'library' }));
        expect(revoked).toMatchObject({ status: 403, json: { error: 'agent token revoked' } });
      });

      it('refuses a report over the size limit with 413', async () => {
        const huge = makeReport(
          Array.from({ length: 2000 }, (_, i) =>
            hikvisionCamera({ ip: `10.21.${i >> 8}.${i & 255}`, mac: null }),
          ),
          { site: 'city-hall' },
        );
        const res = await post(c.app, c.token, huge);
        expect(res.status).toBe(413);
        expect(String(res.json.fix)).toContain('--max-body');
      });

      it('keeps one row per physical device: MAC first, then serial, then IP', async () => {
        const site = 'depot';
        const { token } = await createAgentToken(c.db, site, null);
        const t0 = '2025-01-01T10:00:00.000Z';
        const t1 = '2025-01-02T10:00:00.000Z';
        await post(
          c.app,
          token,
          makeReport([hikvisionCamera(), dahuaNvr({ mac: null }), unknownHost('10.20.0.90')], {
            site,
            at: t0,
          }),
        );
        // The camera moved (DHCP), the NVR is seen by serial only, the unknown host keeps its IP,
        // and a different MAC answers on the camera's old address: a new device.
        await post(
          c.app,
          token,
          makeReport(
            [
              hikvisionCamera({ ip: '10.20.0.99' }),
              dahuaNvr({ ip: '10.20.0.71', mac: '3c:ef:8c:00:00:01' }),
              unknownHost('10.20.0.90'),
              axisCamera({ ip: '10.20.0.64' }),
            ],
            { site, at: t1 },
          ),
        );
        const { rows } = await listDevices(c.db, { site }, { offset: 0, limit: 50 }, ALL_SITES);
        expect(rows.map((r) => [r.ip, r.mac, r.firstSeen, r.lastSeen]).sort()).toEqual(
          [
            ['10.20.0.99', '58:50:ed:1f:e3:85', t0, t1],
            ['10.20.0.71', '3c:ef:8c:00:00:01', t0, t1],
            ['10.20.0.90', null, t0, t1],
            ['10.20.0.64', 'ac:cc:8e:01:02:03', t1, t1],
          ].sort(),
        );
        const cam = rows.find((r) => r.mac === '58:50:ed:1f:e3:85')!;
        const history = await c.db.all<{ ip: string }>(
          'SELECT ip FROM sightings WHERE device_id = ? ORDER BY seen_at',
          [cam.id],
        );
        expect(history.map((h) => h.ip)).toEqual(['10.20.0.64', '10.20.0.99']);
      });

      it('matches devices within one report as a row-by-row ingest would (set-based writes)', async () => {
        const site = 'annex';
        const { token } = await createAgentToken(c.db, site, null);
        const t0 = '2025-04-01T10:00:00.000Z';
        const t1 = '2025-04-02T10:00:00.000Z';
        // One report: the NVR by MAC and again by serial alone (a second interface without a
        // MAC), and a host at an address another device of the same report has just taken.
        await post(
          c.app,
          token,
          makeReport(
            [
              dahuaNvr(),
              dahuaNvr({ ip: '10.20.0.72', mac: null }),
              unknownHost('10.20.0.91'),
              unknownHost('10.20.0.91'),
            ],
            { site, at: t0 },
          ),
        );
        const first = await listDevices(c.db, { site }, { offset: 0, limit: 50 }, ALL_SITES);
        expect(first.total).toBe(2);
        // The rescan moves the NVR to its second address and changes its verdict: one update
        // with the final state, one verdict change, a sighting per reported device.
        await post(
          c.app,
          token,
          makeReport(
            [dahuaNvr({ ip: '10.20.0.72', verdict: 'suspect', findings: [] }), unknownHost('10.20.0.91')],
            {
              site,
              at: t1,
            },
          ),
        );
        const { rows } = await listDevices(c.db, { site }, { offset: 0, limit: 50 }, ALL_SITES);
        expect(rows.map((r) => [r.ip, r.verdict, r.firstSeen, r.lastSeen]).sort()).toEqual(
          [
            ['10.20.0.72', 'suspect', t0, t1],
            ['10.20.0.91', 'unknown', t0, t1],
          ].sort(),
        );
        const nvr = rows.find((r) => r.ip === '10.20.0.72')!;
        const sightings = await c.db.all<{ ip: string }>(
          'SELECT ip FROM sightings WHERE device_id = ? ORDER BY seen_at, id',
          [nvr.id],
        );
        expect(sightings.map((x) => x.ip)).toEqual(['10.20.0.70', '10.20.0.72', '10.20.0.72']);
        const changes = await c.db.all<{ from_verdict: string | null; to_verdict: string }>(
          'SELECT from_verdict, to_verdict FROM verdict_changes WHERE device_id = ? ORDER BY id',
          [nvr.id],
        );
        expect(changes).toEqual([
          { from_verdict: null, to_verdict: 'covered' },
          { from_verdict: 'covered', to_verdict: 'suspect' },
        ]);
      });

      it('records verdict changes, keeps remediation across scans, and ignores a late older report for current state', async () => {
        const site = 'water-works';
        const { token } = await createAgentToken(c.db, site, null);
        const suspect = hikvisionCamera({ verdict: 'suspect', findings: [] });
        await post(c.app, token, makeReport([suspect], { site, at: '2025-02-01T00:00:00.000Z' }));
        const id = (await listDevices(c.db, { site }, { offset: 0, limit: 1 }, ALL_SITES)).rows[0]!.id;
        await setRemediation(
          c.db,
          id,
          {
            state: 'exempted',
            approver: 'CIO J. Doe',
            reason: 'isolated VLAN',
            expiresAt: '2099-12-31T23:59:59.999Z',
          },
          'auditor',
        );
        await post(c.app, token, makeReport([hikvisionCamera()], { site, at: '2025-03-01T00:00:00.000Z' }));
        // A report that sat in a spool during an outage arrives after the newer one.
        await post(c.app, token, makeReport([suspect], { site, at: '2025-02-15T00:00:00.000Z' }));
        const row = (await listDevices(c.db, { site }, { offset: 0, limit: 1 }, ALL_SITES)).rows[0]!;
        expect(row).toMatchObject({
          verdict: 'covered',
          state: 'exempted',
          approver: 'CIO J. Doe',
          lastSeen: '2025-03-01T00:00:00.000Z',
        });
        const changes = await c.db.all<{ from_verdict: string | null; to_verdict: string }>(
          'SELECT from_verdict, to_verdict FROM verdict_changes WHERE device_id = ? ORDER BY id',
          [id],
        );
        expect(changes).toEqual([
          { from_verdict: null, to_verdict: 'suspect' },
          { from_verdict: 'suspect', to_verdict: 'covered' },
        ]);
        const sightings = await c.db.all<{ n: number }>(
          'SELECT COUNT(*) AS n FROM sightings WHERE device_id = ?',
          [id],
        );
        expect(sightings[0]!.n).toBe(3);
        await setRemediation(
          c.db,
          id,
          { state: 'exempted', approver: 'x', reason: 'y', expiresAt: '2000-01-01T00:00:00.000Z' },
          'auditor',
        );
        expect(
          (await listDevices(c.db, { site, state: 'open' }, { offset: 0, limit: 1 }, ALL_SITES)).total,
        ).toBe(1);
      });

      it('sends the dashboard to the login page, and the login needs its CSRF token', async () => {
        const page = await c.app.inject({ method: 'GET', url: '/devices' });
        expect(page.statusCode).toBe(303);
        expect(page.headers.location).toBe('/login');
        const forged = await c.app.inject({
          method: 'POST',
          url: '/login',
          payload: { username: ADMIN.username, password: ADMIN.password, _csrf: 'guess' },
        });
        expect(forged.statusCode).toBe(403);
        expect(forged.headers['set-cookie']?.toString() ?? '').not.toContain('csw_session=');
        const ok = await login(c.app);
        expect(ok).toMatchObject({ status: 303, location: '/' });
      });

      it('renders device strings as text under a strict CSP', async () => {
        const { cookie } = await login(c.app);
        const list = await c.app.inject({
          method: 'GET',
          url: '/devices?site=city-hall&verdict=covered&q=2385',
          headers: { cookie },
        });
        expect(list.statusCode).toBe(200);
        expect(list.headers['content-security-policy']).toContain("default-src 'none'");
        expect(list.headers['content-security-policy']).not.toContain('unsafe-inline');
        const id = /href="\/devices\/(\d+)"/.exec(list.body)![1];
        const page = await c.app.inject({ method: 'GET', url: `/devices/${id}`, headers: { cookie } });
        expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(page.body).not.toContain(XSS_BANNER);
        expect(page.body).not.toContain(XSS_HOSTNAME);
        expect(page.body).toContain('Pub. L. 115-232, §889(f)(3)(B)');
      });

      it('records an exemption only with approver, reason, expiry and a valid CSRF token', async () => {
        const { cookie, csrf } = await login(c.app);
        const { rows } = await listDevices(
          c.db,
          { site: 'city-hall', verdict: 'covered' },
          { offset: 0, limit: 1 },
          ALL_SITES,
        );
        const url = `/devices/${rows[0]!.id}/remediation`;
        const noToken = await c.app.inject({
          method: 'POST',
          url,
          headers: { cookie },
          payload: { state: 'removed' },
        });
        expect(noToken.statusCode).toBe(403);
        const crossSite = await c.app.inject({
          method: 'POST',
          url,
          headers: { cookie, origin: 'https://evil.invalid' },
          payload: { state: 'removed', _csrf: csrf },
        });
        expect(crossSite.statusCode).toBe(403);
        const incomplete = await c.app.inject({
          method: 'POST',
          url,
          headers: { cookie },
          payload: { state: 'exempted', _csrf: csrf },
        });
        expect(incomplete.statusCode).toBe(400);
        expect(incomplete.body).toContain('needs an approver');
        const done = await c.app.inject({
          method: 'POST',
          url,
          headers: { cookie },
          payload: {
            state: 'exempted',
            approver: 'City CIO',
            reason: 'replacement funded for 2026',
            expires: '2026-12-31',
            _csrf: csrf,
          },
        });
        expect(done.statusCode).toBe(303);
        const after = await listDevices(
          c.db,
          { site: 'city-hall', state: 'exempted' },
          { offset: 0, limit: 5 },
          ALL_SITES,
        );
        expect(after.rows.map((r) => [r.id, r.approver, r.expiresAt])).toContainEqual([
          rows[0]!.id,
          'City CIO',
          '2026-12-31T23:59:59.999Z',
        ]);
        // The exemption is on the audit trail, and the hash chain verifies on this database.
        const entry = await c.db.get<{ action: string; actor: string }>(
          `SELECT action, actor FROM audit_log WHERE action = 'exemption' ORDER BY id DESC LIMIT 1`,
        );
        expect(entry).toEqual({ action: 'exemption', actor: ADMIN.username });
        expect(await verifyAudit(c.db)).toMatchObject({ ok: true });
      });

      it('exports CSV with formulas neutralised and JSON with evidence', async () => {
        const { cookie } = await login(c.app);
        const csv = await c.app.inject({
          method: 'GET',
          url: '/export/devices.csv?site=city-hall',
          headers: { cookie },
        });
        expect(csv.headers['content-type']).toContain('text/csv');
        expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="camsweep-devices-/);
        const lines = csv.body.trim().split('\r\n');
        expect(lines[0]).toBe(
          'site,device_id,ip,mac,manufacturer,brand,device_type,model,firmware,serial,verdict,confidence,rules,rules_version,first_seen,last_seen,remediation,approver,reason,exemption_expires',
        );
        const axis = lines.find((l) => l.includes('ac:cc:8e:01:02:03'))!;
        expect(axis).toContain(`"'${FORMULA_MODEL.replace(/"/g, '""')}"`);
        expect(lines.some((l) => /,hikvision,.*,covered,0\.97,us-ndaa-889,2025\.06\.1,/.test(l))).toBe(true);
        const json = await c.app.inject({
          method: 'GET',
          url: '/export/devices.json?site=city-hall&verdict=covered',
          headers: { cookie },
        });
        const doc = json.json() as {
          schema: string;
          devices: { manufacturer: string; evidence: { value: string }[] }[];
        };
        expect(doc.schema).toBe('camsweep.export/v1');
        expect(doc.devices.length).toBeGreaterThan(0);
        expect(doc.devices.every((d) => ['hikvision', 'dahua'].includes(d.manufacturer))).toBe(true);
        expect(doc.devices.flatMap((d) => d.evidence.map((e) => e.value))).toContain(XSS_BANNER);
        const anonymous = await c.app.inject({ method: 'GET', url: '/export/devices.csv' });
        expect(anonymous.statusCode).toBe(303);
      });

      it('stores the coverage of each scan and the switch, port and VLAN of each device, filterable and sortable', async () => {
        const { token } = await createAgentToken(c.db, 'pump-station', null);
        const report = switchLabReport({ site: 'pump-station', at: '2026-06-01T02:00:00.000Z' });
        expect((await post(c.app, token, report)).status).toBe(201);
        const site = (await overview(c.db, ALL_SITES)).find((s) => s.site === 'pump-station')!;
        expect(site.coverage?.coverage).toEqual(report.coverage);
        const byVlan = await listDevices(
          c.db,
          { site: 'pump-station', vlan: 79, sort: 'ip', dir: 'desc' },
          { offset: 0, limit: 10 },
          ALL_SITES,
        );
        expect(byVlan.rows.map((d) => [d.ip, d.switchLabel, d.location?.port])).toEqual([
          ['10.79.0.65', 'core-sw-lab (10.77.0.5)', '1/1/8'],
          ['10.79.0.64', 'core-sw-lab (10.77.0.5)', '1/1/7'],
        ]);
        const bySwitch = await listDevices(
          c.db,
          { switch: 'core-sw-lab (10.77.0.5)', sort: 'vlan' },
          { offset: 0, limit: 10 },
          ALL_SITES,
        );
        expect(bySwitch.rows.map((d) => d.vlan)).toEqual([1, 79, 79]);
        // "open" is a remediation state of covered and suspect devices only.
        const open = await listDevices(
          c.db,
          { site: 'pump-station', state: 'open' },
          { offset: 0, limit: 10 },
          ALL_SITES,
        );
        expect(open.rows.map((d) => d.verdict).sort()).toEqual(['covered', 'suspect']);
        const unknown = bySwitch.rows.find((d) => d.verdict === 'unknown')!;
        const detail = await deviceDetail(c.db, unknown.id, ALL_SITES);
        expect(detail?.seen.ports).toEqual([22, 23]);
        expect(detail?.seen.items.map((x) => x.label)).toEqual([
          'SSH greeting',
          'Telnet greeting',
          'SNMP sysDescr',
          'MAC registered to',
        ]);
      });

      it('throttles sign-in after repeated failures, even with the right password', async () => {
        for (let i = 0; i < 5; i++) expect((await login(c.app, `wrong-${i}`)).status).toBe(401);
        expect((await login(c.app)).status).toBe(429);
      });

      it('limits the report rate per agent token', async () => {
        const limited = await startCollector(await backend!.location(), {
          ingestPerMinute: 1,
          ingestBurst: 2,
        });
        try {
          const codes: number[] = [];
          for (let i = 0; i < 3; i++)
            codes.push((await post(limited.app, limited.token, labReport())).status);
          expect(codes).toEqual([201, 201, 429]);
          const last = await post(limited.app, limited.token, labReport());
          expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
        } finally {
          await limited.stop();
        }
      });
    },
  );
}

export type { Report };
