/**
 * A site as the collector knows it, rebuilt as a camsweep report (the latest scan's metadata,
 * every device on record with its findings and evidence) plus each device's remediation record.
 * Attestations are built from this, so one from the database and one from a report JSON are
 * made the same way.
 */

import type { Device, Evidence, Finding, ProbeStatus, Report, Verdict } from '../../contract/types.js';
import type { Sql } from '../db/sql.js';
import { ALL_SITES, inScope, type SiteScope } from './roles.js';

export interface RemediationRecord {
  readonly state: string;
  readonly approver: string | null;
  readonly reason: string | null;
  readonly expiresAt: string | null;
  readonly updatedAt: string | null;
}

export interface SiteSnapshot {
  readonly report: Report;
  /** Remediation by device (the objects in report.devices). */
  readonly remediation: ReadonlyMap<Device, RemediationRecord>;
}

interface ScanRow {
  reportId: string;
  startedAt: string;
  finishedAt: string;
  rulesVersion: string;
  partial: number;
  targets: string;
  probes: string;
  probeStatus: string | null;
  hosts: number;
  agentKey: string;
  agentVersion: string | null;
}

interface DeviceDbRow {
  ip: string;
  mac: string | null;
  serial: string | null;
  hostnames: string;
  manufacturer: string | null;
  brand: string | null;
  deviceType: string | null;
  model: string | null;
  firmware: string | null;
  confidence: number;
  verdict: Verdict;
  findings: string;
  evidence: string;
  state: string | null;
  approver: string | null;
  reason: string | null;
  expiresAt: string | null;
  updatedAt: string | null;
}

async function siteSnapshot(q: Sql, siteId: number, site: string): Promise<SiteSnapshot | null> {
  const scan = await q.get<ScanRow>(
    `SELECT sc.report_id AS "reportId", sc.started_at AS "startedAt", sc.finished_at AS "finishedAt",
       sc.rules_version AS "rulesVersion", sc.partial, sc.targets, sc.probes, sc.probe_status AS "probeStatus",
       sc.hosts, a.agent_key AS "agentKey", a.version AS "agentVersion"
     FROM scans sc JOIN agents a ON a.id = sc.agent_id WHERE sc.site_id = ? ORDER BY sc.finished_at DESC, sc.id DESC LIMIT 1`,
    [siteId],
  );
  if (!scan) return null;
  const rows = await q.all<DeviceDbRow>(
    `SELECT d.ip, d.mac, d.serial, d.hostnames, d.manufacturer, d.brand, d.device_type AS "deviceType", d.model,
       d.firmware, d.confidence, d.verdict, d.findings, d.evidence, r.state, r.approver, r.reason,
       r.expires_at AS "expiresAt", r.updated_at AS "updatedAt"
     FROM devices d LEFT JOIN remediation r ON r.device_id = d.id WHERE d.site_id = ? ORDER BY d.id`,
    [siteId],
  );
  const now = new Date().toISOString();
  const remediation = new Map<Device, RemediationRecord>();
  const devices = rows.map((r) => {
    const device: Device = {
      ip: r.ip,
      mac: r.mac,
      hostnames: JSON.parse(r.hostnames) as string[],
      identity: {
        manufacturer: r.manufacturer,
        brand: r.brand,
        deviceType: r.deviceType as Device['identity']['deviceType'],
        model: r.model,
        firmware: r.firmware,
        serial: r.serial,
        confidence: Number(r.confidence),
      },
      verdict: r.verdict,
      findings: JSON.parse(r.findings) as Finding[],
      evidence: JSON.parse(r.evidence) as Evidence[],
    };
    if (r.state) {
      // An exemption past its expiry is open again, as on the dashboard.
      const lapsed = r.state === 'exempted' && r.expiresAt !== null && r.expiresAt < now;
      remediation.set(device, {
        state: lapsed ? 'open (exemption expired)' : r.state,
        approver: r.approver,
        reason: r.reason,
        expiresAt: r.expiresAt,
        updatedAt: r.updatedAt,
      });
    }
    return device;
  });
  const count = (v: Verdict) => devices.filter((d) => d.verdict === v).length;
  const report: Report = {
    schema: 'camsweep.report/v1',
    reportId: scan.reportId,
    agent: { id: scan.agentKey, site, version: scan.agentVersion ?? 'unknown' },
    scan: {
      startedAt: scan.startedAt,
      finishedAt: scan.finishedAt,
      targets: JSON.parse(scan.targets) as string[],
      probes: JSON.parse(scan.probes) as string[],
      rulesVersion: scan.rulesVersion,
      partial: Number(scan.partial) === 1,
      ...(scan.probeStatus ? { probeStatus: JSON.parse(scan.probeStatus) as ProbeStatus[] } : {}),
    },
    summary: {
      hosts: Number(scan.hosts),
      devices: devices.length,
      covered: count('covered'),
      suspect: count('suspect'),
      notCovered: count('not-covered'),
      unknown: count('unknown'),
    },
    devices,
  };
  return { report, remediation };
}

/** One snapshot per site that has at least one scan; `site` null means every site. */
export async function siteSnapshots(
  q: Sql,
  site: string | null,
  scope: SiteScope = ALL_SITES,
): Promise<SiteSnapshot[]> {
  const sites = await q.all<{ id: number; name: string }>(
    site === null ? 'SELECT id, name FROM sites ORDER BY name' : 'SELECT id, name FROM sites WHERE name = ?',
    site === null ? [] : [site],
  );
  const out: SiteSnapshot[] = [];
  // Only the sites the caller may see (a site-scoped auditor attests to their own sites).
  for (const s of sites.filter((x) => inScope(scope, x.name))) {
    const snap = await siteSnapshot(q, Number(s.id), s.name);
    if (snap) out.push(snap);
  }
  return out;
}
