/**
 * Ingest semantics every backend must keep now that PostgreSQL writes set-based and SQLite
 * writes in chunks that hand back the event loop: history rows exact per device, resends
 * stored nowhere, several devices of one report landing on one row, events queued once per
 * change with a delivery per enabled webhook, hostile text stored the same way, reports larger
 * than one statement's slice, and reads answered while a long ingest is under way.
 * sqlite.test.ts and postgres.test.ts run it against their own database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { ROWS_PER_STATEMENT } from '../../src/collector/store/ingest-write.js';
import { addWebhook, disableWebhook } from '../../src/collector/store/outbox.js';
import { listDevices, overview, setRemediation } from '../../src/collector/store/queries.js';
import { ALL_SITES } from '../../src/collector/store/roles.js';
import type { Device, Report } from '../../src/contract/types.js';
import { dahuaNvr, hikvisionCamera, makeReport, unknownHost } from './fixtures.js';
import type { Backend } from './suite.js';

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-02T10:00:00.000Z';
const T2 = '2026-03-03T10:00:00.000Z';

/** `count` distinct unidentified hosts with MACs, for reports larger than one statement's slice. */
export function manyHosts(count: number, octet = 30): Device[] {
  return Array.from({ length: count }, (_, i) => ({
    ...unknownHost(`10.${octet}.${i >> 8}.${i & 255}`),
    mac: `02:00:00:${octet.toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
  }));
}

export function ingestSuite(name: string, backend: Backend | null): void {
  describe.skipIf(backend === null)(`ingest on ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await openDatabase(await backend!.location());
    });
    afterAll(async () => {
      await db?.close();
    });

    const ingest = (report: Report) => db.tx((q) => ingestReport(q, report, { tokenId: null, now: T2 }));
    const count = async (sql: string, params: unknown[] = []) =>
      Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql}`, params))!.n);
    const rowsOf = (site: string) =>
      listDevices(db, { site }, { offset: 0, limit: 5000 }, ALL_SITES).then((r) => r.rows);
    const historyOf = async (id: number) => ({
      sightings: await db.all<{ ip: string; verdict: string; seen_at: string }>(
        'SELECT ip, verdict, seen_at FROM sightings WHERE device_id = ? ORDER BY id',
        [id],
      ),
      changes: await db.all<{ from_verdict: string | null; to_verdict: string }>(
        'SELECT from_verdict, to_verdict FROM verdict_changes WHERE device_id = ? ORDER BY id',
        [id],
      ),
    });

    it('a rescan that changes a verdict writes one verdict change; an unchanged rescan writes none; a resend writes nothing', async () => {
      const site = 'hist';
      const cam = (verdict: 'covered' | 'suspect') =>
        hikvisionCamera({ verdict, findings: verdict === 'covered' ? hikvisionCamera().findings : [] });
      expect((await ingest(makeReport([cam('suspect'), dahuaNvr()], { site, at: T0 }))).status).toBe(
        'stored',
      );
      const changed = makeReport([cam('covered'), dahuaNvr()], { site, at: T1 });
      expect(await ingest(changed)).toMatchObject({ status: 'stored', newDevices: 0, verdictChanges: 1 });
      const before = {
        sightings: await count('sightings'),
        changes: await count('verdict_changes'),
        events: await count('outbox_events'),
      };
      expect(await ingest(changed)).toMatchObject({ status: 'duplicate', devices: 0 });
      expect(await ingest(makeReport([cam('covered'), dahuaNvr()], { site, at: T2 }))).toMatchObject({
        verdictChanges: 0,
      });
      expect({
        sightings: await count('sightings'),
        changes: await count('verdict_changes'),
        events: await count('outbox_events'),
      }).toEqual({ ...before, sightings: before.sightings + 2 });
      const camera = (await rowsOf(site)).find((r) => r.mac === hikvisionCamera().mac)!;
      expect(camera).toMatchObject({ verdict: 'covered', firstSeen: T0, lastSeen: T2 });
      expect(await historyOf(camera.id)).toEqual({
        sightings: [
          { ip: '10.20.0.64', verdict: 'suspect', seen_at: T0 },
          { ip: '10.20.0.64', verdict: 'covered', seen_at: T1 },
          { ip: '10.20.0.64', verdict: 'covered', seen_at: T2 },
        ],
        changes: [
          { from_verdict: null, to_verdict: 'suspect' },
          { from_verdict: 'suspect', to_verdict: 'covered' },
        ],
      });
    });

    it('two devices of one report matching the same stored row update it once, in report order, with both sightings', async () => {
      const site = 'twice';
      await ingest(makeReport([dahuaNvr()], { site, at: T0 }));
      // The NVR answers on two interfaces: by MAC on its own address, and by serial alone on a
      // second one. The second entry is the later one in the report, so its state wins.
      const report = makeReport(
        [
          dahuaNvr({ verdict: 'suspect', findings: [] }),
          dahuaNvr({ ip: '10.20.0.73', mac: null, verdict: 'covered' }),
        ],
        { site, at: T1 },
      );
      expect(await ingest(report)).toMatchObject({ status: 'stored', newDevices: 0, verdictChanges: 2 });
      const rows = await rowsOf(site);
      expect(rows.map((r) => [r.ip, r.mac, r.verdict, r.firstSeen, r.lastSeen])).toEqual([
        ['10.20.0.73', dahuaNvr().mac, 'covered', T0, T1],
      ]);
      expect(await historyOf(rows[0]!.id)).toEqual({
        sightings: [
          { ip: '10.20.0.70', verdict: 'covered', seen_at: T0 },
          { ip: '10.20.0.70', verdict: 'suspect', seen_at: T1 },
          { ip: '10.20.0.73', verdict: 'covered', seen_at: T1 },
        ],
        changes: [
          { from_verdict: null, to_verdict: 'covered' },
          { from_verdict: 'covered', to_verdict: 'suspect' },
          { from_verdict: 'suspect', to_verdict: 'covered' },
        ],
      });
    });

    it('queues one event per new covered/suspect device and per verdict change, delivered to each enabled webhook', async () => {
      const site = 'events';
      const first = await addWebhook(db, 'http://127.0.0.1:9/a');
      const off = await addWebhook(db, 'http://127.0.0.1:9/off');
      await disableWebhook(db, off.id);
      await addWebhook(db, 'http://127.0.0.1:9/b');
      const already = await count('outbox_events');
      await ingest(makeReport([hikvisionCamera(), unknownHost('10.20.0.91')], { site, at: T0 }));
      await ingest(
        makeReport([hikvisionCamera({ verdict: 'suspect', findings: [] }), unknownHost('10.20.0.91')], {
          site,
          at: T1,
        }),
      );
      const events = await db.all<{ id: number; kind: string; site: string; payload: string }>(
        'SELECT id, kind, site, payload FROM outbox_events WHERE id > ? ORDER BY id',
        [already],
      );
      const cameraId = (await rowsOf(site)).find((r) => r.mac === hikvisionCamera().mac)!.id;
      expect(events.map((e) => [e.kind, e.site, JSON.parse(e.payload)])).toEqual([
        [
          'device.new',
          site,
          {
            deviceId: cameraId,
            site,
            ip: '10.20.0.64',
            mac: hikvisionCamera().mac,
            manufacturer: 'hikvision',
            deviceType: 'camera',
            model: 'DS-2CD2385G1-I',
            from: null,
            verdict: 'covered',
            rules: ['us-ndaa-889'],
            seenAt: T0,
          },
        ],
        [
          'device.verdict-changed',
          site,
          expect.objectContaining({ deviceId: cameraId, from: 'covered', verdict: 'suspect', rules: [] }),
        ],
      ]);
      const deliveries = await db.all<{
        event_id: number;
        webhook_id: number;
        state: string;
        next_at: string;
      }>(
        `SELECT event_id, webhook_id, state, next_at FROM webhook_deliveries WHERE event_id > ?
         ORDER BY event_id, webhook_id`,
        [already],
      );
      expect(deliveries.map((d) => [Number(d.event_id), Number(d.webhook_id), d.state, d.next_at])).toEqual(
        events.flatMap((e) => [
          [Number(e.id), first.id, 'pending', T2],
          [Number(e.id), first.id + 2, 'pending', T2],
        ]),
      );
    });

    it('stores NUL and broken surrogates in device text as U+FFFD, and still matches the device by them', async () => {
      const site = 'hostile';
      const odd = (ip: string, verdict: 'covered' | 'suspect') =>
        hikvisionCamera({
          ip,
          mac: null,
          verdict,
          identity: {
            ...hikvisionCamera().identity,
            model: 'DS-\u0000X\ud800',
            firmware: 'V5 \udc00 ok 😀',
            serial: 'SER\u0000IAL-123',
          },
        });
      await ingest(makeReport([odd('10.20.5.1', 'covered')], { site, at: T0 }));
      // Moved address, same odd serial: the same device.
      await ingest(makeReport([odd('10.20.5.2', 'suspect')], { site, at: T1 }));
      const rows = await rowsOf(site);
      expect(rows.map((r) => [r.ip, r.model, r.firmware, r.serial, r.verdict])).toEqual([
        ['10.20.5.2', 'DS-\ufffdX\ufffd', 'V5 \ufffd ok 😀', 'SER\ufffdIAL-123', 'suspect'],
      ]);
    });

    it('stores text with tabs, line breaks, backslashes and COPY markers exactly as sent', async () => {
      const site = 'copy-markers';
      const model = 'DS\t2CD\nline two\r\\N \\. \\\\ end\\';
      const firmware = '\\.';
      const hostnames = ['tab\there', '\\N', 'back\\slash'];
      const cam = hikvisionCamera({
        ip: '10.20.6.1',
        mac: null,
        hostnames,
        identity: { ...hikvisionCamera().identity, model, firmware, serial: 'SER\tIAL\\N' },
      });
      await ingest(makeReport([cam], { site, at: T0 }));
      const [row] = await rowsOf(site);
      expect([row!.model, row!.firmware, row!.serial]).toEqual([model, firmware, 'SER\tIAL\\N']);
      // A rescan finds the same device by that serial and finds nothing to rewrite.
      expect(await ingest(makeReport([cam], { site, at: T1 }))).toMatchObject({ newDevices: 0 });
      const hosts = await db.get<{ hostnames: string }>('SELECT hostnames FROM devices WHERE id = ?', [
        row!.id,
      ]);
      expect(JSON.parse(hosts!.hostnames)).toEqual(hostnames);
      expect((await rowsOf(site)).map((r) => [r.model, r.lastSeen])).toEqual([[model, T1]]);
    });

    it('a rescan writes the one column that changed and moves every last sighting', async () => {
      const site = 'narrow';
      const hosts = manyHosts(40, 41);
      await ingest(makeReport(hosts, { site, at: T0 }));
      // Only the firmware of one host changed: no verdict change, one device row differs.
      const rescan = hosts.map((h, i) =>
        i === 7 ? { ...h, identity: { ...h.identity, firmware: 'V9.9.9' } } : h,
      );
      expect(await ingest(makeReport(rescan, { site, at: T1 }))).toMatchObject({
        newDevices: 0,
        verdictChanges: 0,
      });
      const rows = await rowsOf(site);
      expect(rows).toHaveLength(40);
      expect(rows.every((r) => r.lastSeen === T1 && r.firstSeen === T0)).toBe(true);
      expect(rows.filter((r) => r.firmware === 'V9.9.9').map((r) => r.mac)).toEqual([hosts[7]!.mac]);
      const scan = await db.get<{ id: number }>(
        'SELECT g.id FROM scans g JOIN sites s ON s.id = g.site_id WHERE s.name = ? AND g.finished_at = ?',
        [site, T1],
      );
      expect(
        await count('devices d JOIN sites s ON s.id = d.site_id WHERE s.name = ? AND d.last_scan_id = ?', [
          site,
          scan!.id,
        ]),
      ).toBe(40);
      // The changed host's sighting carries no evidence (it did not change), like every other.
      expect(await count('sightings WHERE scan_id = ? AND evidence IS NULL', [scan!.id])).toBe(40);
    });

    it('a search counts every match exactly, on every page and past the last one', async () => {
      const site = 'search-count';
      const hosts = manyHosts(300, 42);
      await ingest(makeReport(hosts, { site, at: T0 }));
      // 10.42.0.1, .10-.19 and .100-.199; the count is checked against the IPs and MACs it searches.
      const q = '10.42.0.1';
      const expected = hosts.filter((h) => `${h.ip} ${h.mac}`.includes(q)).length;
      expect(expected).toBe(111);
      const list = (offset: number, limit: number) =>
        listDevices(db, { site, q }, { offset, limit }, ALL_SITES);
      const seen: string[] = [];
      for (let offset = 0; offset < expected; offset += 25) {
        const page = await list(offset, 25);
        expect(page.total).toBe(expected);
        seen.push(...page.rows.map((r) => r.ip));
      }
      expect(new Set(seen).size).toBe(expected);
      expect(seen.every((ip) => ip.includes(q))).toBe(true);
      // A page past the end still says how many matched.
      expect(await list(expected + 50, 25)).toEqual({ rows: [], total: expected });
      expect(await listDevices(db, { site, q: 'no-such-text' }, { offset: 0, limit: 25 }, ALL_SITES)).toEqual(
        {
          rows: [],
          total: 0,
        },
      );
      // Rows carry no count column of their own.
      expect(Object.keys((await list(0, 1)).rows[0]!)).not.toContain('total');
    });

    it(`writes a report of more than ${ROWS_PER_STATEMENT} devices whole, each history row on its own device`, async () => {
      const site = 'large';
      const hosts = manyHosts(ROWS_PER_STATEMENT + 123);
      expect(await ingest(makeReport(hosts, { site, at: T0 }))).toMatchObject({
        status: 'stored',
        newDevices: hosts.length,
      });
      // A rescan where every host moved one address up: each is still matched by its MAC.
      const moved = hosts.map((h, i) => ({ ...h, ip: `10.31.${i >> 8}.${i & 255}` }));
      expect(await ingest(makeReport(moved, { site, at: T1 }))).toMatchObject({ newDevices: 0 });
      expect(await count('devices d JOIN sites s ON s.id = d.site_id WHERE s.name = ?', [site])).toBe(
        hosts.length,
      );
      // Every sighting names the device that has that MAC, in both scans.
      const mismatched = await count(
        `sightings g JOIN devices d ON d.id = g.device_id JOIN sites s ON s.id = d.site_id
         WHERE s.name = ? AND (g.mac IS NULL OR g.mac <> d.mac)`,
        [site],
      );
      const total = await count(
        'sightings g JOIN devices d ON d.id = g.device_id JOIN sites s ON s.id = d.site_id WHERE s.name = ?',
        [site],
      );
      expect({ mismatched, total }).toEqual({ mismatched: 0, total: hosts.length * 2 });
      expect((await rowsOf(site)).every((r) => r.ip.startsWith('10.31.') && r.lastSeen === T1)).toBe(true);
    });

    it('filters by remediation state as the page shows it, and the overview counts per site in one pass', async () => {
      const site = 'remedy';
      await ingest(
        makeReport(
          [
            hikvisionCamera({ ip: '10.20.6.1', mac: '58:50:ed:00:06:01' }),
            hikvisionCamera({ ip: '10.20.6.2', mac: '58:50:ed:00:06:02' }),
            hikvisionCamera({ ip: '10.20.6.3', mac: '58:50:ed:00:06:03' }),
            hikvisionCamera({ ip: '10.20.6.4', mac: '58:50:ed:00:06:04', verdict: 'suspect', findings: [] }),
            unknownHost('10.20.6.5'),
          ],
          { site, at: T0, agent: 'a1' },
        ),
      );
      await ingest(makeReport([unknownHost('10.20.6.6')], { site, at: T1, agent: 'a2' }));
      const id = async (ip: string) => (await rowsOf(site)).find((r) => r.ip === ip)!.id;
      const exempt = (expiresAt: string | null) => ({
        state: 'exempted' as const,
        approver: 'CIO',
        reason: 'isolated',
        expiresAt,
      });
      // No expiry: exempted until revoked. Past expiry: open again. Removed: neither.
      await setRemediation(db, await id('10.20.6.1'), exempt(null), 'auditor');
      await setRemediation(db, await id('10.20.6.2'), exempt('2000-01-01T00:00:00.000Z'), 'auditor');
      const removed = { state: 'removed' as const, approver: null, reason: null, expiresAt: null };
      await setRemediation(db, await id('10.20.6.3'), removed, 'auditor');
      const ipsIn = async (state: 'open' | 'exempted' | 'removed') =>
        (await listDevices(db, { site, state }, { offset: 0, limit: 50 }, ALL_SITES)).rows
          .map((r) => r.ip)
          .sort();
      expect({
        open: await ipsIn('open'),
        exempted: await ipsIn('exempted'),
        removed: await ipsIn('removed'),
      }).toEqual({ open: ['10.20.6.2', '10.20.6.4'], exempted: ['10.20.6.1'], removed: ['10.20.6.3'] });
      const shown = (await rowsOf(site)).filter((r) => r.verdict === 'covered' || r.verdict === 'suspect');
      expect(shown.map((r) => [r.ip, r.state]).sort()).toEqual([
        ['10.20.6.1', 'exempted'],
        ['10.20.6.2', 'open'],
        ['10.20.6.3', 'removed'],
        ['10.20.6.4', 'open'],
      ]);
      const sites = await overview(db, ALL_SITES, 1);
      expect(sites.find((s) => s.site === site)).toMatchObject({
        counts: { covered: 3, suspect: 1, unknown: 2, 'not-covered': 0 },
        open: 2,
        exempted: 1,
        removed: 1,
        agents: 2,
        lastScan: T1,
        rulesVersion: '2025.06.1',
        trend: [{ at: T1, covered: 0, suspect: 0, notCovered: 0, unknown: 1 }],
      });
      const scoped = await overview(db, { all: false, sites: [site] }, 5);
      expect(scoped.map((s) => [s.site, s.trend.map((t) => t.at)])).toEqual([[site, [T0, T1]]]);
    });

    it('answers a read while a large report is being ingested, from the last committed state', async () => {
      const site = 'busy';
      const hosts = manyHosts(6000, 40);
      let ingestDone = false;
      const ingesting = ingest(makeReport(hosts, { site, at: T0 })).then((r) => {
        ingestDone = true;
        return r;
      });
      // Let the ingest start its transaction before asking.
      await new Promise((r) => setImmediate(r));
      const seen = await count('devices d JOIN sites s ON s.id = d.site_id WHERE s.name = ?', [site]);
      const answeredDuringIngest = !ingestDone;
      expect((await ingesting).status).toBe('stored');
      expect({ answeredDuringIngest, seen }).toEqual({ answeredDuringIngest: true, seen: 0 });
      expect(await count('devices d JOIN sites s ON s.id = d.site_id WHERE s.name = ?', [site])).toBe(6000);
    });
  });
}
