/**
 * Builds the attestation data from reports: one section per site (several agents' reports of a
 * site merge, the latest sighting of a device winning), every covered and suspect device with
 * its rules, evidence, firmware risk, location and remediation.
 */
import { rulesAsOf } from '../contract/rules-as-of.js';
import type { Device, Evidence, Identity, Report, ReportSummary, Risk } from '../contract/types.js';
import { changesBetween } from './diff.js';
import {
  ATTESTATION_SCHEMA,
  type AttestationData,
  type AttestedDevice,
  type Location,
  type Remediation,
  type SiteAttestation,
} from './model.js';

/** Evidence items printed per device; the report keeps them all. */
export const EVIDENCE_SHOWN = 6;

export interface SiteInput {
  readonly report: Report;
  /** Remediation records by device key (see deviceKey). */
  readonly remediation?: ReadonlyMap<string, Remediation>;
}

export interface BuildOptions {
  readonly organisation: string | null;
  readonly previous: AttestationData | null;
  readonly previousHash: string | null;
  /** Fills in firmware risk for reports from agents that did not assess it. */
  readonly risks?: (identity: Identity, at: Date) => Risk[];
}

export function deviceKey(site: string, d: Pick<Device, 'mac' | 'ip' | 'identity'>): string {
  if (d.mac) return `${site}/mac:${d.mac}`;
  if (d.identity.serial) return `${site}/serial:${d.identity.serial.slice(0, 128)}`;
  return `${site}/ip:${d.ip}`;
}

/** A location a newer report may carry (switch, port, VLAN); ignored unless it has that shape. */
function locationOf(d: Device): Location | null {
  const raw = (d as Device & { location?: unknown }).location;
  if (!raw || typeof raw !== 'object') return null;
  const pick = (k: string) => {
    const v = (raw as Record<string, unknown>)[k];
    return typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 128) : null;
  };
  const loc = { switch: pick('switch'), port: pick('port'), vlan: pick('vlan') };
  return loc.switch || loc.port || loc.vlan ? loc : null;
}

function coverageOf(report: Report): unknown {
  return (report as Report & { coverage?: unknown }).coverage ?? null;
}

function strongestEvidence(evidence: readonly Evidence[]): Evidence[] {
  // Signature-matched items say the most; a bare OUI or open port the least.
  return [...evidence].sort((a, b) => Number(!a.signature) - Number(!b.signature)).slice(0, EVIDENCE_SHOWN);
}

function summaryOf(hosts: number, devices: readonly Device[]): ReportSummary {
  const count = (v: Device['verdict']) => devices.filter((d) => d.verdict === v).length;
  return {
    hosts,
    devices: devices.length,
    covered: count('covered'),
    suspect: count('suspect'),
    notCovered: count('not-covered'),
    unknown: count('unknown'),
  };
}

function siteSection(site: string, inputs: readonly SiteInput[], options: BuildOptions): SiteAttestation {
  const reports = [...inputs].sort((a, b) =>
    a.report.scan.finishedAt.localeCompare(b.report.scan.finishedAt),
  );
  const latest = reports[reports.length - 1]!.report;
  const byKey = new Map<string, { device: Device; at: Date; remediation: Remediation | null }>();
  for (const { report, remediation } of reports)
    for (const device of report.devices) {
      const key = deviceKey(site, device);
      byKey.set(key, {
        device,
        at: new Date(report.scan.startedAt),
        remediation: remediation?.get(key) ?? null,
      });
    }
  const all = [...byKey.entries()];
  const attested = ([key, { device, at, remediation }]: (typeof all)[number]): AttestedDevice => ({
    key,
    ip: device.ip,
    mac: device.mac,
    hostnames: device.hostnames,
    identity: device.identity,
    verdict: device.verdict,
    findings: device.findings,
    evidence: strongestEvidence(device.evidence),
    evidenceTotal: device.evidence.length,
    risks: device.risks ?? options.risks?.(device.identity, at) ?? [],
    location: locationOf(device),
    remediation,
  });
  const rank = { covered: 0, suspect: 1, unknown: 2, 'not-covered': 3 } as const;
  const listed = all
    .map(attested)
    .sort((a, b) => rank[a.verdict] - rank[b.verdict] || a.key.localeCompare(b.key));
  const agents = new Map(reports.map(({ report }) => [report.agent.id, report.agent.version]));
  return {
    site,
    agents: [...agents].map(([id, version]) => ({ id, version })),
    scans: reports.map(({ report }) => ({
      reportId: report.reportId,
      startedAt: report.scan.startedAt,
      finishedAt: report.scan.finishedAt,
      partial: report.scan.partial === true,
    })),
    rules: {
      version: latest.scan.rulesVersion,
      asOf: rulesAsOf(latest.scan),
      profile: latest.scan.profile ?? null,
    },
    scope: {
      targets: [...new Set(reports.flatMap(({ report }) => report.scan.targets))],
      coverage: coverageOf(latest),
    },
    method: {
      probes: [...new Set(reports.flatMap(({ report }) => report.scan.probes))],
      probeStatus: latest.scan.probeStatus ?? [],
      rate: latest.scan.rate ?? null,
      exclusions: latest.scan.exclusions ?? null,
    },
    summary: summaryOf(
      reports.reduce((n, { report }) => n + report.summary.hosts, 0),
      all.map(([, v]) => v.device),
    ),
    devices: listed.filter((d) => d.verdict === 'covered' || d.verdict === 'suspect'),
    otherRisks: listed.filter(
      (d) => d.verdict !== 'covered' && d.verdict !== 'suspect' && d.risks.length > 0,
    ),
  };
}

export function buildAttestation(inputs: readonly SiteInput[], options: BuildOptions): AttestationData {
  const bySite = new Map<string, SiteInput[]>();
  for (const input of inputs) {
    const list = bySite.get(input.report.agent.site) ?? [];
    list.push(input);
    bySite.set(input.report.agent.site, list);
  }
  const sites = [...bySite.keys()].sort().map((site) => siteSection(site, bySite.get(site)!, options));
  const data = {
    schema: ATTESTATION_SCHEMA,
    organisation: options.organisation,
    sites,
    changes: null,
    previous: options.previousHash ? { hash: options.previousHash } : null,
  };
  return { ...data, changes: options.previous ? changesBetween(options.previous, data) : null };
}
