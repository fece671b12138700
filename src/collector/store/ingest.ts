/**
 * Turns one validated report into rows: the scan, the agent, and for each device the one row
 * for that physical device at that site (found by MAC, then serial, then IP, never against a
 * contradicting MAC or serial), a sighting in its history, and a verdict change when the
 * verdict moved. Runs in one transaction. A report id is unique: a resend of the same report
 * (same site, same content hash) is a no-op answered `duplicate`; the same id from another site
 * or with other content is a `conflict`, refused, and stored nowhere.
 */

import { createHash } from 'node:crypto';
import { pickDevice, usableSerial } from '../../contract/identity.js';
import type { Device, Report, Verdict } from '../../contract/types.js';
import type { Sql } from '../db/sql.js';
import { enqueueEvent } from './outbox.js';

export const VERDICT_RANK: Record<Verdict, number> = { covered: 0, suspect: 1, unknown: 2, 'not-covered': 3 };

export interface IngestResult {
  readonly status: 'stored' | 'duplicate' | 'conflict';
  readonly devices: number;
  readonly newDevices: number;
  readonly verdictChanges: number;
}

interface Candidate {
  id: number;
  mac: string | null;
  serial: string | null;
  ip: string;
  verdict: string;
  evidence: string;
  last_seen: string;
  first_seen: string;
}

const CANDIDATE = 'id, mac, serial, ip, verdict, evidence, last_seen, first_seen';

export function searchText(d: Device): string {
  const i = d.identity;
  return [d.ip, d.mac, i.serial, i.manufacturer, i.brand, i.model, i.firmware, i.deviceType, ...d.hostnames]
    .filter(Boolean)
    .join(' ')
    .toLowerCase()
    .slice(0, 2048);
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
       targets, probes, probe_status, hosts, devices, covered, suspect, not_covered, unknown, content_sha256)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING RETURNING id`,
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
  const siteId = await upsertSite(q, report.agent.site, now);
  const digest = reportDigest(report);
  // Cheap check first so a resend of a large report does not touch the agents table.
  const prior = await priorUse(q, report.reportId, siteId, digest);
  if (prior) return { status: prior, devices: 0, newDevices: 0, verdictChanges: 0 };
  const agentId = await upsertAgent(q, siteId, report, options.tokenId, now);
  const scanId = await insertScan(q, report, { siteId, agentId, digest }, now);
  if (scanId === undefined) {
    // Another transaction stored this id between the check and the insert.
    const raced = (await priorUse(q, report.reportId, siteId, digest)) ?? 'conflict';
    return { status: raced, devices: 0, newDevices: 0, verdictChanges: 0 };
  }
  const seenAt = report.scan.finishedAt;
  let newDevices = 0;
  let verdictChanges = 0;
  for (const d of report.devices) {
    const mac = d.mac;
    const serial = usableSerial(d.identity.serial);
    // Three indexed lookups rather than one OR: neither SQLite nor PostgreSQL uses the
    // (site_id, x) indexes for `site_id = ? AND (mac = ? OR …)`, which made ingest quadratic.
    const rows = await q.all<Candidate>(
      `SELECT ${CANDIDATE} FROM devices WHERE site_id = ? AND mac = ?
       UNION ALL SELECT ${CANDIDATE} FROM devices WHERE site_id = ? AND serial = ?
       UNION ALL SELECT ${CANDIDATE} FROM devices WHERE site_id = ? AND ip = ?
       LIMIT 32`,
      [siteId, mac, siteId, serial, siteId, d.ip],
    );
    const match = pickDevice(rows, d.ip, mac, serial);
    const evidence = JSON.stringify(d.evidence);
    const i = d.identity;
    const current = [
      d.ip,
      JSON.stringify(d.hostnames),
      i.manufacturer,
      i.brand,
      i.deviceType,
      i.model,
      i.firmware,
      i.confidence,
      d.verdict,
      VERDICT_RANK[d.verdict],
      d.findings.map((f) => f.rule).join(' '),
      JSON.stringify(d.findings),
      evidence,
      report.scan.rulesVersion,
      searchText(d),
    ];
    let deviceId: number;
    let previousVerdict: string | null = null;
    let evidenceChanged = true;
    if (!match) {
      const row = await q.get<{ id: number }>(
        `INSERT INTO devices (ip, hostnames, manufacturer, brand, device_type, model, firmware, confidence, verdict,
           verdict_rank, rules, findings, evidence, rules_version, search, site_id, mac, serial, first_seen, last_seen,
           last_scan_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [...current, siteId, mac, serial, seenAt, seenAt, scanId],
      );
      deviceId = row!.id;
      newDevices++;
    } else {
      deviceId = match.id;
      evidenceChanged = match.evidence !== evidence;
      if (seenAt >= match.last_seen) {
        previousVerdict = match.verdict;
        await q.run(
          `UPDATE devices SET ip = ?, hostnames = ?, manufacturer = ?, brand = ?, device_type = ?, model = ?,
             firmware = ?, confidence = ?, verdict = ?, verdict_rank = ?, rules = ?, findings = ?, evidence = ?,
             rules_version = ?, search = ?, mac = COALESCE(?, mac), serial = COALESCE(?, serial), last_seen = ?,
             last_scan_id = ?
           WHERE id = ?`,
          [...current, mac, serial, seenAt, scanId, deviceId],
        );
      } else if (seenAt < match.first_seen) {
        // A report that waited in an agent's spool: history gains a sighting, the current state stays.
        await q.run('UPDATE devices SET first_seen = ? WHERE id = ?', [seenAt, deviceId]);
      }
    }
    await q.run(
      `INSERT INTO sightings (device_id, scan_id, seen_at, ip, mac, verdict, identity, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [deviceId, scanId, seenAt, d.ip, mac, d.verdict, JSON.stringify(i), evidenceChanged ? evidence : null],
    );
    if (!match || (previousVerdict !== null && previousVerdict !== d.verdict)) {
      await q.run(
        'INSERT INTO verdict_changes (device_id, scan_id, at, from_verdict, to_verdict) VALUES (?, ?, ?, ?, ?)',
        [deviceId, scanId, seenAt, previousVerdict, d.verdict],
      );
      if (match) verdictChanges++;
      // Receivers hear of new covered/suspect devices and of every verdict change (store/outbox.ts).
      if (match || d.verdict === 'covered' || d.verdict === 'suspect')
        await enqueueEvent(
          q,
          {
            kind: match ? 'device.verdict-changed' : 'device.new',
            site: report.agent.site,
            data: {
              deviceId,
              site: report.agent.site,
              ip: d.ip,
              mac,
              manufacturer: i.manufacturer,
              model: i.model,
              from: previousVerdict,
              verdict: d.verdict,
              rules: d.findings.map((f) => f.rule),
              seenAt,
            },
          },
          now,
        );
    }
  }
  return { status: 'stored', devices: report.devices.length, newDevices, verdictChanges };
}
