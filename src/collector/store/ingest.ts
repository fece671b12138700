/**
 * Turns one validated report into rows: the scan, the agent, and for each device the one row
 * for that physical device at that site (found by MAC, then serial, then IP, never against a
 * contradicting MAC or serial), a sighting in its history, and a verdict change when the
 * verdict moved. Runs in one transaction; the report id makes a resend a no-op. The matching
 * is decided for the whole report in memory (ingest-plan.ts) and written set-based
 * (ingest-write.ts), so PostgreSQL pays a few round trips per report, not per device.
 */
import type { Report } from '../../contract/types.js';
import type { Sql } from '../db/sql.js';
import { planIngest } from './ingest-plan.js';
import { loadCandidates, writePlan } from './ingest-write.js';

export { pickDevice } from './device-match.js';
export { searchText, VERDICT_RANK } from './ingest-plan.js';

export interface IngestResult {
  readonly status: 'stored' | 'duplicate';
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

async function insertScan(q: Sql, report: Report, siteId: number, agentId: number, now: string) {
  const s = report.summary;
  const row = await q.get<{ id: number }>(
    `INSERT INTO scans (report_id, site_id, agent_id, started_at, finished_at, received_at, rules_version, partial,
       targets, probes, probe_status, hosts, devices, covered, suspect, not_covered, unknown)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING RETURNING id`,
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
    ],
  );
  return row?.id;
}

export async function ingestReport(
  q: Sql,
  report: Report,
  options: { tokenId: string | null; now?: string },
): Promise<IngestResult> {
  const now = options.now ?? new Date().toISOString();
  const siteId = await upsertSite(q, report.agent.site, now);
  // Cheap check first so a resend of a large report does not touch the agents table.
  if (await q.get('SELECT 1 AS one FROM scans WHERE report_id = ?', [report.reportId])) {
    return { status: 'duplicate', devices: 0, newDevices: 0, verdictChanges: 0 };
  }
  const agentId = await upsertAgent(q, siteId, report, options.tokenId, now);
  const scanId = await insertScan(q, report, siteId, agentId, now);
  if (scanId === undefined) return { status: 'duplicate', devices: 0, newDevices: 0, verdictChanges: 0 };
  const candidates = await loadCandidates(q, siteId, report.devices);
  const plan = planIngest(report, candidates);
  await writePlan(q, plan, siteId, scanId);
  return {
    status: 'stored',
    devices: report.devices.length,
    newDevices: plan.inserts.length,
    verdictChanges: plan.verdictChanges,
  };
}
