/**
 * The audit trail as a user meets it: sign-ins (failed too), an exemption with its before and
 * after, and exports are recorded with who and from where; auditors browse and export the
 * trail; no route writes to it except by appending; and the chain still verifies afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/collector/store/audit.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { hikvisionCamera, makeReport } from './fixtures.js';
import { type RunningCollector, startCollector, tempDir } from './harness.js';
import { login } from './suite.js';

interface Row {
  actor: string;
  source: string;
  action: string;
  target: string;
  site: string | null;
  before_json: string | null;
  after_json: string | null;
}

describe('audit trail in the dashboard', () => {
  const dir = tempDir('csw-audit-');
  let c: RunningCollector;
  let deviceId = 0;

  beforeAll(async () => {
    c = await startCollector(`${dir.path}/c.db`);
    await c.db.tx((q) =>
      ingestReport(q, makeReport([hikvisionCamera()], { site: 'city-hall' }), { tokenId: null }),
    );
    deviceId = (await c.db.get<{ id: number }>('SELECT id FROM devices'))!.id;
  });
  afterAll(async () => {
    await c?.stop();
    dir.remove();
  });

  const entries = () =>
    c.db.all<Row>(
      'SELECT actor, source, action, target, site, before_json, after_json FROM audit_log ORDER BY id',
    );

  it('records sign-ins, an exemption with before and after, and exports, with who and from where', async () => {
    expect((await login(c.app, 'not the password')).status).toBe(401);
    const { cookie, csrf } = await login(c.app);
    const exempt = await c.app.inject({
      method: 'POST',
      url: `/devices/${deviceId}/remediation`,
      headers: { cookie },
      payload: { state: 'exempted', reason: 'replacement on order', expires: '2027-03-31', _csrf: csrf },
    });
    expect(exempt.statusCode).toBe(303);
    const csv = await c.app.inject({
      method: 'GET',
      url: '/export/devices.csv?verdict=covered',
      headers: { cookie },
    });
    expect(csv.statusCode).toBe(200);

    const rows = await entries();
    expect(rows.map((r) => r.action)).toEqual(['sign-in.failed', 'sign-in', 'exemption', 'export']);
    for (const r of rows) expect(r).toMatchObject({ actor: 'auditor', source: '127.0.0.1' });
    const exemption = rows[2]!;
    expect(exemption.site).toBe('city-hall');
    expect(exemption.target).toBe(`device ${deviceId}`);
    expect(JSON.parse(exemption.before_json!)).toEqual({ state: 'open' });
    expect(JSON.parse(exemption.after_json!)).toMatchObject({
      state: 'exempted',
      approver: 'auditor',
      reason: 'replacement on order',
    });
    expect(JSON.parse(rows[3]!.after_json!)).toMatchObject({ verdict: 'covered' });
  });

  it('lets an auditor browse and export the trail, and the export is itself recorded', async () => {
    const { cookie } = await login(c.app);
    const page = await c.app.inject({ method: 'GET', url: '/audit', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('sign-in.failed');
    expect(page.body).toContain('replacement on order');
    const csv = await c.app.inject({ method: 'GET', url: '/export/audit.csv', headers: { cookie } });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,source,action,target,site,before,after,prevSha256,sha256');
    expect(lines.at(-1)).toMatch(/^\d+,[^,]+,auditor,127\.0\.0\.1,export,audit\.csv,/);
    expect((await entries()).at(-1)!.action).toBe('export');
  });

  it('has no route that changes the trail, and the chain verifies after all of the above', async () => {
    const tree = `${c.app.printRoutes({ method: 'POST' })}${c.app.printRoutes({ method: 'PUT' })}${c.app.printRoutes({ method: 'DELETE' })}${c.app.printRoutes({ method: 'PATCH' })}`;
    expect(tree).not.toContain('audit');
    const { cookie, csrf } = await login(c.app);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      const res = await c.app.inject({
        method,
        url: '/audit',
        headers: { cookie },
        payload: { _csrf: csrf },
      });
      expect(res.statusCode, method).toBe(404);
    }
    const verdict = await verifyAudit(c.db);
    expect(verdict).toMatchObject({ ok: true, entries: (await entries()).length });
  });
});
