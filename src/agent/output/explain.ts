/**
 * `camsweep explain`: one device's verdict traced back for a person (docs/architecture.md §6 practice 6):
 * rule → identity → signatures → observations → probe. Everything printed comes from a report
 * file, which carries device-supplied strings, so every string goes through forTerminal and is
 * capped.
 */

import { readFileSync } from 'node:fs';
import { checkReport } from '../../contract/report-schema.js';
import type { Device, Evidence, Observation, Report } from '../../contract/types.js';
import { CamsweepError } from '../../core/errors.js';
import { normaliseMac } from '../../core/mac.js';
import { cap, forTerminal } from '../../core/text.js';
import type { Rule } from '../../knowledge/classify/model.js';

/** The rule data installed now, to show each rule's [S]/[M] caveats beside the finding. */
export interface CurrentRules {
  readonly version: string;
  readonly rules: ReadonlyMap<string, Rule>;
}

/** Longest device string shown on one line; the report keeps the whole value. */
const SHOW_CHARS = 240;

const show = (value: string | null | undefined, max = SHOW_CHARS) =>
  value === null || value === undefined || value === '' ? '-' : forTerminal(cap(value, max));
const quoted = (value: string) => `"${show(value)}"`;

/** Reads and validates a saved report; `text` lets callers pass stdin's contents instead. */
export function readReport(path: string, text?: string): Report {
  let raw = text;
  if (raw === undefined) {
    try {
      raw = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? (err as Error).message})`;
      throw new CamsweepError('E_INPUT', `report file "${show(path)}" ${why}`, {
        fix: 'give the path of a JSON report written by `camsweep scan --format json --out FILE`',
      });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new CamsweepError(
      'E_INPUT',
      `report file "${show(path)}" is not JSON: ${show((err as Error).message, 120)}`,
      {
        fix: 'explain reads JSON reports; rerun the scan with --format json',
      },
    );
  }
  const problems = checkReport(parsed);
  if (problems.length > 0) {
    const first = problems
      .slice(0, 3)
      .map((p) => `${p.field} ${p.message}`)
      .join('; ');
    throw new CamsweepError('E_INPUT', `"${show(path)}" is not a camsweep.report/v1 report: ${show(first)}`, {
      fix: 'give a JSON report written by `camsweep scan --format json`',
    });
  }
  return parsed as Report;
}

/** Devices matching an IPv4 address, a MAC in any common spelling, or a serial (case-insensitive). */
export function findDevices(report: Report, selector: string): Device[] {
  const wanted = selector.trim();
  const mac = normaliseMac(wanted);
  const serial = wanted.toLowerCase();
  return report.devices.filter(
    (d) =>
      d.ip === wanted ||
      (mac !== null && d.mac === mac) ||
      (d.identity.serial !== null && d.identity.serial.toLowerCase() === serial),
  );
}

function sameFact(e: Evidence, o: Observation): boolean {
  return (
    o.probe === e.probe &&
    o.key === e.key &&
    o.value === e.value &&
    (e.port === undefined || o.port === e.port)
  );
}

function where(
  x: { probe: string; port?: number | undefined; path?: string | undefined },
  at?: string,
): string {
  const parts = [`probe ${show(x.probe)}`];
  if (x.port !== undefined) parts.push(`port ${x.port}`);
  if (x.path !== undefined) parts.push(`path ${show(x.path, 120)}`);
  if (at !== undefined) parts.push(`seen ${show(at)}`);
  return parts.join(', ');
}

function checkedLine(rule: Rule | undefined): string | null {
  if (!rule) return null;
  if (rule.verified) return '     checked:   verified against primary or near-primary sources';
  const caveats =
    rule.unverified.length > 0 ? `: ${rule.unverified.join('; ')}` : ' (some covered-entity entries)';
  return `     checked:   partly unverified${caveats}`;
}

function rulesSection(device: Device, report: Report, current?: CurrentRules): string[] {
  const out = ['1. Rules'];
  if (device.findings.length === 0) {
    const profile = show(report.scan.profile ?? 'the default profile');
    const why: Record<Device['verdict'], string> = {
      covered: 'no finding recorded',
      suspect: 'no finding could be issued: no evidence was recorded for this device',
      'not-covered': `identified as ${show(device.identity.manufacturer ?? device.identity.brand)}, which no rule of ${profile} reaches`,
      unknown: "not identified: no signature matched this host's observations",
    };
    out.push(`   none — ${why[device.verdict]}`);
    return out;
  }
  for (const f of device.findings) {
    const status =
      f.status === 'upcoming'
        ? `upcoming, takes effect ${show(f.effective)}`
        : `applies since ${show(f.effective)}`;
    out.push(`   ${show(f.rule)}  (${status})`);
    out.push(`     ${show(f.title)}`);
    out.push(`     citation:  ${show(f.citation, 600)}`);
    if (f.authority) out.push(`     authority: ${show(f.authority)}`);
    out.push(`     basis:     ${show(f.basis, 1200)}`);
    if (f.source) out.push(`     source:    ${show(f.source)}`);
    const checked = checkedLine(current?.rules.get(f.rule));
    if (checked) out.push(checked);
  }
  return out;
}

function identitySection(device: Device): string[] {
  const id = device.identity;
  const rows: [string, string][] = [
    ['manufacturer', show(id.manufacturer)],
    ['brand', show(id.brand)],
    ['device type', show(id.deviceType)],
    ['model', show(id.model)],
    ['firmware', show(id.firmware)],
    ['serial', show(id.serial)],
    ['confidence', id.confidence.toFixed(2)],
  ];
  if (id.alternatives && id.alternatives.length > 0)
    rows.push([
      'alternatives',
      id.alternatives.map((a) => `${show(a.manufacturer)} ${a.confidence.toFixed(2)}`).join(', '),
    ]);
  return ['2. Identity', ...rows.map(([k, v]) => `   ${k.padEnd(13)} ${v}`)];
}

function evidenceSection(device: Device): string[] {
  const out = ['3. Signatures → observations → probe'];
  if (device.evidence.length === 0) return [...out, '   no evidence recorded'];
  const bySignature = new Map<string, Evidence[]>();
  for (const e of device.evidence) {
    const key = e.signature ?? '';
    bySignature.set(key, [...(bySignature.get(key) ?? []), e]);
  }
  for (const [signature, items] of bySignature) {
    out.push(`   ${signature === '' ? '(no signature: shown for context)' : `signature ${show(signature)}`}`);
    for (const e of items) {
      const seen = device.observations?.find((o) => sameFact(e, o));
      out.push(`     ${show(e.key)} = ${quoted(e.value)}`);
      out.push(`       ${where(e, seen?.at)}`);
    }
  }
  return out;
}

function probeSection(device: Device, report: Report): string[] {
  const out = ['4. Probes'];
  const observations = device.observations ?? [];
  const probes = new Set([...device.evidence.map((e) => e.probe), ...observations.map((o) => o.probe)]);
  if (probes.size === 0) return [...out, '   no probe output recorded for this device'];
  for (const probe of [...probes].sort()) {
    const seen = observations.filter((o) => o.probe === probe).length;
    const used = device.evidence.filter((e) => e.probe === probe).length;
    const status = report.scan.probeStatus?.find((s) => s.probe === probe);
    const outcome = status
      ? `; probe ${status.outcome} for the scan${status.message ? ` (${show(status.message, 200)})` : ''}`
      : '';
    out.push(
      `   ${show(probe).padEnd(8)} ${seen} observation(s) of this host, ${used} used as evidence${outcome}`,
    );
  }
  if (observations.length === 0)
    out.push('   (the report does not carry raw observations; only evidence is shown)');
  return out;
}

export function explainDevice(device: Device, report: Report, current?: CurrentRules): string {
  const stale =
    current && current.version !== report.scan.rulesVersion
      ? `  (rule data installed now: ${current.version}; a rescan may judge differently)`
      : '';
  const head = [
    `Device ${show(device.ip)}  MAC ${show(device.mac)}  serial ${show(device.identity.serial)}`,
    device.hostnames.length > 0 ? `Host names ${device.hostnames.map((h) => show(h, 80)).join(', ')}` : null,
    `Report ${show(report.reportId)}  site ${show(report.agent.site)}  scanned ${show(report.scan.startedAt)}`,
    `Profile ${show(report.scan.profile ?? '(not recorded)')}  rules ${show(report.scan.rulesVersion)}${stale}${report.scan.partial ? '  (partial scan)' : ''}`,
    '',
    `Verdict: ${device.verdict.toUpperCase()}`,
  ].filter((l): l is string => l !== null);
  const sections = [
    rulesSection(device, report, current),
    identitySection(device),
    evidenceSection(device),
    probeSection(device, report),
  ];
  return `${[head, ...sections].map((s) => s.join('\n')).join('\n\n')}\n`;
}

/** Explains every device matching `selector`, or says clearly that none does. */
export function explain(
  report: Report,
  selector: string,
  reportName: string,
  current?: CurrentRules,
): string {
  const devices = findDevices(report, selector);
  if (devices.length === 0) {
    throw new CamsweepError(
      'E_INPUT',
      `no device matching "${show(selector, 80)}" in "${show(reportName)}" (${report.devices.length} devices)`,
      {
        fix: 'give an IP address, a MAC such as 44:19:b6:01:02:03, or a serial exactly as the report lists it',
      },
    );
  }
  return devices.map((d) => explainDevice(d, report, current)).join(`\n${'─'.repeat(60)}\n\n`);
}
