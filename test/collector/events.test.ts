/**
 * Every event kind, raised where a user would expect it and recorded once: a device marked
 * removed that a later scan sees again, a site whose reports switch rules version (but not a
 * late report from a spool), an exemption nearing and passing its end, an agent gone silent.
 * The periodic check runs repeatedly and, on PostgreSQL, from two collectors at once, and
 * still records each event exactly once.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { runEventChecks } from '../../src/collector/events/check.js';
import { NO_EVENTS_CONFIG } from '../../src/collector/events/config.js';
import { createAgentToken } from '../../src/collector/store/access.js';
import { deliveryLog, listSinks } from '../../src/collector/store/outbox.js';
import { setRemediation } from '../../src/collector/store/queries.js';
import { type PgCluster, pgUnavailable, startPgCluster } from '../../src/collector/testing/pg-cluster.js';
import { hikvisionCamera, makeReport } from './fixtures.js';
import { type RunningCollector, startCollector, tempDir } from './harness.js';
import { post } from './suite.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

async function events(db: Database, kind?: string) {
  const rows = await db.all<{ kind: string; site: string; payload: string; event_key: string | null }>(
    `SELECT kind, site, payload, event_key FROM outbox_events ${kind ? 'WHERE kind = ?' : ''} ORDER BY id`,
    kind ? [kind] : [],
  );
  return rows.map((r) => ({ ...r, data: JSON.parse(r.payload) as Record<string, unknown> }));
}

async function deviceId(db: Database): Promise<number> {
  return Number((await db.get<{ id: number }>('SELECT id FROM devices ORDER BY id LIMIT 1'))!.id);
}

describe('events raised by reports and by the periodic check (SQLite)', () => {
  const dir = tempDir('csw-events-');
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector(join(dir.path, 'c.db'), { deliveries: false });
  });
  afterAll(async () => {
    await c?.stop();
    dir.remove();
  });

  it('a device marked removed that a later scan sees raises device.reappeared once per marking', async () => {
    expect((await post(c.app, c.token, makeReport([hikvisionCamera()]))).status).toBe(201);
    const id = await deviceId(c.db);
    await setRemediation(
      c.db,
      id,
      { state: 'removed', approver: null, reason: 'unplugged', expiresAt: null },
      'ops',
    );
    expect(await events(c.db, 'device.reappeared')).toEqual([]);
    for (const at of [later(HOUR), later(2 * HOUR)])
      expect((await post(c.app, c.token, makeReport([hikvisionCamera()], { at }))).status).toBe(201);
    const raised = await events(c.db, 'device.reappeared');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.data).toMatchObject({
      deviceId: id,
      state: 'removed',
      markedBy: 'ops',
      ip: '10.20.0.64',
    });
    // Marked again, seen again: a new event.
    await setRemediation(
      c.db,
      id,
      { state: 'replaced', approver: null, reason: 'swapped', expiresAt: null },
      'ops',
    );
    await post(c.app, c.token, makeReport([hikvisionCamera()], { at: later(3 * HOUR) }));
    expect((await events(c.db, 'device.reappeared')).map((e) => e.data.state)).toEqual([
      'removed',
      'replaced',
    ]);
  });

  it('a switch of rules version raises rules.changed; a late report from a spool does not', async () => {
    const report = (version: string, at: string) => {
      const r = makeReport([], { at, site: 'library' });
      return { ...r, scan: { ...r.scan, rulesVersion: version } };
    };
    const { token: library } = await createAgentToken(c.db, 'library', 'test');
    for (const [v, at] of [
      ['2025.06.1', later(HOUR)],
      ['2025.06.1', later(2 * HOUR)],
      ['2026.01.1', later(3 * HOUR)],
      ['2025.06.1', later(-DAY)], // spooled, older than everything stored
    ] as const)
      expect((await post(c.app, library, report(v, at))).status).toBe(201);
    const raised = await events(c.db, 'rules.changed');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      site: 'library',
      data: { from: '2025.06.1', to: '2026.01.1', agent: 'agent-1' },
    });
  });

  it('an exemption nearing its end, then past it, raises expiring then expired, each once', async () => {
    const id = await deviceId(c.db);
    const ends = later(3 * DAY);
    await setRemediation(
      c.db,
      id,
      { state: 'exempted', approver: 'cio', reason: 'pilot', expiresAt: ends },
      'cio',
    );
    const config = { ...NO_EVENTS_CONFIG, exemptionWarningDays: 2, silentAgentAfterMs: 1000 * DAY };
    expect(await runEventChecks(c.db, config)).toBe(0); // three days out: outside a two-day window
    const soon = new Date(Date.now() + 2 * DAY);
    expect(await runEventChecks(c.db, config, soon)).toBe(1);
    expect(await runEventChecks(c.db, config, soon)).toBe(0);
    const after = new Date(Date.parse(ends) + HOUR);
    expect(await runEventChecks(c.db, config, after)).toBe(1);
    expect(await runEventChecks(c.db, config, after)).toBe(0);
    const kinds = (await events(c.db)).filter((e) => e.kind.startsWith('exemption.'));
    expect(kinds.map((e) => [e.kind, e.data.approver, e.data.expiresAt])).toEqual([
      ['exemption.expiring', 'cio', ends],
      ['exemption.expired', 'cio', ends],
    ]);
    expect(kinds[0]!.data.daysLeft).toBe(1);
  });

  it('an agent silent past the limit raises agent.silent once, and again after it reported and fell silent', async () => {
    const config = { ...NO_EVENTS_CONFIG, silentAgentAfterMs: 26 * HOUR };
    const silent = async (at: Date) => {
      await runEventChecks(c.db, config, at);
      return (await events(c.db, 'agent.silent')).map((e) => `${e.site}/${e.data.agent}`);
    };
    expect(await silent(new Date(Date.now() + 25 * HOUR))).toEqual([]);
    const quiet = new Date(Date.now() + 27 * HOUR);
    expect((await silent(quiet)).sort()).toEqual(['city-hall/agent-1', 'library/agent-1']);
    expect(await silent(quiet)).toHaveLength(2);
    expect(
      (await post(c.app, c.token, makeReport([hikvisionCamera()], { at: later(4 * HOUR) }))).status,
    ).toBe(201);
    // city-hall's agent reported again, then fell silent again; library's is still the same silence.
    expect((await silent(new Date(Date.now() + 54 * HOUR))).sort()).toEqual([
      'city-hall/agent-1',
      'city-hall/agent-1',
      'library/agent-1',
    ]);
  });
});

const unavailable = pgUnavailable();
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (unavailable && inCI) throw new Error(`PostgreSQL events tests cannot run in CI: ${unavailable}`);
if (unavailable) process.stderr.write(`skipping PostgreSQL events tests: ${unavailable}\n`);

describe.skipIf(unavailable !== null)('the periodic check from two collectors on one PostgreSQL', () => {
  let cluster: PgCluster;
  let c: RunningCollector;
  let second: Database;
  beforeAll(async () => {
    cluster = startPgCluster();
    const name = `e_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = cluster.url.replace('/postgres?', `/${name}?`);
    c = await startCollector(url, { deliveries: false });
    second = await openDatabase(url);
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await c?.stop();
    cluster?.stop();
  });

  it('records each time-based event once however many checks race', async () => {
    expect((await post(c.app, c.token, makeReport([hikvisionCamera()]))).status).toBe(201);
    const id = await deviceId(c.db);
    await setRemediation(
      c.db,
      id,
      { state: 'exempted', approver: 'cio', reason: 'pilot', expiresAt: later(DAY) },
      'cio',
    );
    const at = new Date(Date.now() + 30 * HOUR);
    const config = { ...NO_EVENTS_CONFIG, silentAgentAfterMs: 26 * HOUR };
    const counts = await Promise.all([
      runEventChecks(c.db, config, at),
      runEventChecks(second, config, at),
      runEventChecks(c.db, config, at),
      runEventChecks(second, config, at),
    ]);
    // One expired exemption and one silent agent, whichever collector got there first.
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    const kinds = (await events(c.db)).map((e) => e.kind).filter((k) => k !== 'device.new');
    expect(kinds.sort()).toEqual(['agent.silent', 'exemption.expired']);
    // The CLI's views of the queue read the same on PostgreSQL (no receivers here).
    expect(await listSinks(c.db)).toEqual([]);
    expect(await deliveryLog(c.db, 5)).toEqual([]);
  });
});
