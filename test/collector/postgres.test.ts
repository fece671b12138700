/**
 * The collector suite against a real PostgreSQL cluster this test starts itself (unix socket
 * only), and a comparison with SQLite: the two databases have different write paths
 * (set-based on PostgreSQL, per row on SQLite), so the same reports must leave the same rows.
 * Skips only off CI when not root; in CI a missing PostgreSQL fails the run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { addWebhook, syncSinks } from '../../src/collector/store/outbox.js';
import { type PgCluster, pgUnavailable, startPgCluster } from '../../src/collector/testing/pg-cluster.js';
import type { Report } from '../../src/contract/types.js';
import {
  dahuaNvr,
  hikvisionCamera,
  labReport,
  makeReport,
  switchLabReport,
  unknownHost,
} from './fixtures.js';
import { tempDir } from './harness.js';
import { ingestSuite, manyHosts } from './ingest-suite.js';
import { collectorSuite } from './suite.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const unavailable = pgUnavailable();
if (unavailable && inCI) throw new Error(`PostgreSQL collector tests cannot run in CI: ${unavailable}`);
if (unavailable) process.stderr.write(`skipping PostgreSQL collector tests: ${unavailable}\n`);

let cluster: PgCluster | undefined;
beforeAll(() => {
  if (!unavailable) cluster = startPgCluster();
});
afterAll(() => cluster?.stop());

async function freshDatabase(): Promise<string> {
  const name = `c_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: cluster!.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return cluster!.url.replace('/postgres?', `/${name}?`);
}

collectorSuite('PostgreSQL', unavailable ? null : { location: freshDatabase }, unavailable);
ingestSuite('PostgreSQL', unavailable ? null : { location: freshDatabase });

/** Reports that take every write path: new rows, moves, verdict changes, two entries on one row, a late report, hostile text, more rows than one statement carries. */
function reportSequence(): Report[] {
  const at = (day: number) => `2026-05-0${day}T08:00:00.000Z`;
  const odd = hikvisionCamera({
    ip: '10.20.9.9',
    mac: null,
    identity: { ...hikvisionCamera().identity, model: 'X\u0000\ud800', serial: 'ODD\udfffSERIAL' },
  });
  return [
    labReport({ site: 'north', at: at(2) }),
    switchLabReport({ site: 'north', at: at(3) }),
    makeReport(
      [
        hikvisionCamera({ ip: '10.20.0.99', verdict: 'suspect', findings: [] }),
        dahuaNvr({ verdict: 'suspect', findings: [] }),
        dahuaNvr({ ip: '10.20.0.72', mac: null }),
        unknownHost('10.20.0.91'),
        odd,
      ],
      { site: 'north', at: at(4) },
    ),
    // Waited in a spool: older than what is stored, so it only moves first sightings.
    makeReport([hikvisionCamera(), unknownHost('10.20.0.90')], { site: 'north', at: at(1) }),
    makeReport(manyHosts(2100), { site: 'south', at: at(2) }),
    makeReport(
      manyHosts(2100).map((h, i) => (i % 7 === 0 ? { ...h, verdict: 'suspect' as const } : h)),
      { site: 'south', at: at(5) },
    ),
  ];
}

/** The table a foreign-key column points into. */
const REFERS: Record<string, string> = {
  site_id: 'sites',
  agent_id: 'agents',
  device_id: 'devices',
  scan_id: 'scans',
  last_scan_id: 'scans',
  event_id: 'outbox_events',
  webhook_id: 'webhooks',
  sink_id: 'event_sinks',
};

/**
 * Every row of every table, in id order, with ids renumbered 1, 2, 3… per table (and foreign
 * keys to match): PostgreSQL spends a sequence value on an `ON CONFLICT DO NOTHING` that did
 * nothing, SQLite does not, so the raw ids of sites and agents may differ while the data agrees.
 */
async function contents(db: Database): Promise<Record<string, Record<string, unknown>[]>> {
  const names =
    db.dialect === 'postgres'
      ? await db.all<{ name: string }>(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
        )
      : await db.all<{ name: string }>(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY 1`,
        );
  const raw: Record<string, Record<string, unknown>[]> = {};
  for (const { name } of names) raw[name] = await db.all(`SELECT * FROM ${name} ORDER BY 1`);
  const rank = new Map<string, Map<unknown, number>>();
  for (const [name, rows] of Object.entries(raw))
    rank.set(name, new Map(rows.map((r, i) => [Number(r.id), i + 1])));
  const out: Record<string, Record<string, unknown>[]> = {};
  // Not written by ingest: the migration log, and the receivers (each database made its own
  // signing secret and creation time); their ids still take part in the renumbering.
  for (const [name, rows] of Object.entries(raw)) {
    if (name === 'schema_migrations' || name === 'webhooks' || name === 'event_sinks') continue;
    out[name] = rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([column, value]) => {
          const target = column === 'id' ? name : REFERS[column];
          return [column, target && value !== null ? rank.get(target)!.get(Number(value)) : value];
        }),
      ),
    );
  }
  return out;
}

describe.skipIf(unavailable !== null)(
  'PostgreSQL and SQLite store the same rows for the same reports',
  () => {
    const dir = tempDir('camsweep-same-');
    afterAll(() => dir.remove());

    it('leaves identical tables after a sequence that takes every write path', async () => {
      const reports = reportSequence();
      const now = '2026-05-06T00:00:00.000Z';
      const tables: Record<string, unknown[]>[] = [];
      for (const location of [`${dir.path}/same.db`, await freshDatabase()]) {
        const db = await openDatabase(location);
        try {
          await addWebhook(db, 'http://127.0.0.1:9/hook');
          await syncSinks(db, 'syslog', ['siem']);
          for (const r of reports) await db.tx((q) => ingestReport(q, r, { tokenId: null, now }));
          tables.push(await contents(db));
        } finally {
          await db.close();
        }
      }
      const [lite, postgres] = tables;
      expect(Object.keys(postgres!)).toEqual(Object.keys(lite!));
      expect(lite!.devices!.length).toBeGreaterThan(2100);
      expect(lite!.webhook_deliveries!.length).toBeGreaterThan(300);
      expect(lite!.sink_deliveries!.length).toBe(lite!.webhook_deliveries!.length);
      for (const name of Object.keys(lite!))
        expect({ name, rows: postgres![name] }).toEqual({ name, rows: lite![name] });
    });
  },
);
