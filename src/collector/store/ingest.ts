/**
 * Turns one validated report into rows: the scan, the agent, and for each device the one row
 * for that physical device at that site (found by MAC, then serial, then IP, never against a
 * contradicting MAC or serial), a sighting in its history, and a verdict change when the
 * verdict moved. Runs in one transaction. A report id is unique: a resend of the same report
 * (same site, same content hash) is a no-op answered `duplicate`; the same id from another site
 * or with other content is a `conflict`, refused, and stored nowhere. The matching is decided
 * for the whole report in memory (ingest-plan.ts) and written set-based (ingest-write.ts), so
 * PostgreSQL pays a few round trips per report, not three or four per device.
 */
import { createHash } from 'node:crypto';
import type { Report } from '../../contract/types.js';
import type { Sql } from '../db/sql.js';
import { queueIngestEvents } from './ingest-events.js';
import { planIngest, prepareDevices } from './ingest-plan.js';
import { loadCandidates, writePlan } from './ingest-write.js';

export { searchText, VERDICT_RANK } from './ingest-plan.js';

export interface IngestResult {
  readonly status: 'stored' | 'duplicate' | 'conflict';
  readonly devices: number;
  readonly newDevices: number;
  readonly verdictChanges: number;
}

async function upsertSite(q: Sql, name: string, now: string): Promise<number> {
  await q.run('INSERT INTO sites (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [
    name,
    now,
  ]);
  return (await q.get<{ id: number }>('SELECT id FROM sites WHERE name = ?', [name]))!.id;
}

async function upsertAgent(q: Sql, siteId: number, report: Report, tokenId: string | null, now: string) {
  await q.run(
    `INSERT INTO agents (site_id, agent_key, version, token_id, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (site_id, agent_key) DO UPDATE SET version = excluded.version, token_id = excluded.token_id,
       last_seen = excluded.last_seen`,
    [siteId, report.agent.id, report.agent.version, tokenId, now, now],
  );
  return (await q.get<{ id: number }>('SELECT id FROM agents WHERE site_id = ? AND agent_key = ?', [
    siteId,
    report.agent.id,
  ]))!.id;
}

/** SHA-256 of the report as parsed; a resend of the same spool file gives the same digest. */
export function reportDigest(report: Report): string {
  return createHash('sha256').update(JSON.stringify(report)).digest('hex');
}

async function insertScan(
  q: Sql,
  report: Report,
  ids: { siteId: number; agentId: number; digest: string },
  now: string,
) {
  const { siteId, agentId } = ids;
  const s = report.summary;
  const row = await q.get<{ id: number }>(
    `INSERT INTO scans (report_id, site_id, agent_id, started_at, finished_at, received_at, rules_version, partial,
       targets, probes, probe_status, hosts, devices, covered, suspect, not_covered, unknown, content_sha256, coverage)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING RETURNING id`,
    [
      report.reportId,
      siteId,
      agentId,
      report.scan.startedAt,
      report.scan.finishedAt,
      now,
      report.scan.rulesVersion,
      report.scan.partial ? 1 : 0,
      JSON.stringify(report.scan.targets),
      JSON.stringify(report.scan.probes),
      report.scan.probeStatus ? JSON.stringify(report.scan.probeStatus) : null,
      s.hosts,
      s.devices,
      s.covered,
      s.suspect,
      s.notCovered,
      s.unknown,
      ids.digest,
      report.coverage ? JSON.stringify(report.coverage) : null,
    ],
  );
  return row?.id;
}

/** What a stored scan with this id means for an incoming report: a resend, or a clash. */
async function priorUse(
  q: Sql,
  reportId: string,
  siteId: number,
  digest: string,
): Promise<'duplicate' | 'conflict' | null> {
  const prior = await q.get<{ site_id: number; content_sha256: string | null }>(
    'SELECT site_id, content_sha256 FROM scans WHERE report_id = ?',
    [reportId],
  );
  if (!prior) return null;
  // Scans stored before digests were kept match on site alone.
  const same = prior.site_id === siteId && (prior.content_sha256 === null || prior.content_sha256 === digest);
  return same ? 'duplicate' : 'conflict';
}

export async function ingestReport(
  q: Sql,
  report: Report,
  options: { tokenId: string | null; now?: string },
): Promise<IngestResult> {
  const now = options.now ?? new Date().toISOString();
  // No JIT compilation in this transaction: at 100,000 devices the planner's estimate for the
  // candidate lookup (ingest-write.ts) passes jit_above_cost, and compiling it took 10.7 ms of
  // its 13.7 (EXPLAIN ANALYZE, issue 15). Every statement of an ingest is a short indexed one.
  if (q.dialect === 'postgres') await q.run('SET LOCAL jit = off');
  const siteId = await upsertSite(q, report.agent.site, now);
  // The stored rows the devices could be are read while this process hashes the report and
  // works out its rows: on PostgreSQL the query runs on the server meanwhile. Only reads come
  // before the resend check, so a resend or a clash still writes nothing.
  const loading = loadCandidates(q, siteId, report.devices);
  loading.catch(() => undefined); // awaited below; this only keeps a throw in between from leaving it unhandled
  const digest = reportDigest(report);
  const prepared = prepareDevices(report);
  const candidates = await loading;
  // Cheap check before any write so a resend of a large report does not touch the agents table.
  const prior = await priorUse(q, report.reportId, siteId, digest);
  if (prior) return { status: prior, devices: 0, newDevices: 0, verdictChanges: 0 };
  const agentId = await upsertAgent(q, siteId, report, options.tokenId, now);
  const scanId = await insertScan(q, report, { siteId, agentId, digest }, now);
  if (scanId === undefined) {
    // Another transaction stored this id between the check and the insert.
    const raced = (await priorUse(q, report.reportId, siteId, digest)) ?? 'conflict';
    return { status: raced, devices: 0, newDevices: 0, verdictChanges: 0 };
  }
  const plan = planIngest(report, candidates, prepared);
  const idOf = await writePlan(q, plan, siteId, scanId);
  // Receivers hear of it through the durable queue (store/outbox.ts), in this transaction.
  const scan = {
    agent: report.agent.id,
    rulesVersion: report.scan.rulesVersion,
    finishedAt: report.scan.finishedAt,
  };
  await queueIngestEvents(q, { siteId, scanId }, report.agent.site, plan, idOf, scan, now);
  return {
    status: 'stored',
    devices: report.devices.length,
    newDevices: plan.inserts.length,
    verdictChanges: plan.verdictChanges,
  };
}
