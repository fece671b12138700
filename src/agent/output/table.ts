/**
 * The human view of a report: one line per device, worst verdict first, with the evidence
 * behind every covered or suspect call underneath. Every device-supplied string passes through
 * forTerminal, so a banner cannot move the cursor, recolour the screen or hide text.
 */

import { rulesFreshness } from '../../contract/rules-as-of.js';
import type { Device, Report } from '../../contract/types.js';
import { forTerminal } from '../../core/text.js';
import { coverageParagraph, locationText } from './coverage.js';

const VERDICT_ORDER: Record<Device['verdict'], number> = {
  covered: 0,
  suspect: 1,
  unknown: 2,
  'not-covered': 3,
};
const COLOURS: Record<Device['verdict'], string> = {
  covered: '31',
  suspect: '33',
  unknown: '2',
  'not-covered': '32',
};
/** Evidence lines shown per device; the JSON report has them all. */
const EVIDENCE_SHOWN = 4;

export interface TableOptions {
  readonly colour: boolean;
  /** Terminal width; long cells are cut to keep one device per line. */
  readonly width?: number;
}

export function renderTable(report: Report, options: TableOptions): string {
  const paint = (verdict: Device['verdict'], text: string) =>
    options.colour ? `\x1b[${COLOURS[verdict]}m${text}\x1b[0m` : text;
  const clip = (text: string, max: number) => {
    const safe = forTerminal(text);
    return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
  };
  const devices = [...report.devices].sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict]);
  // The WHERE column (switch, port, VLAN) appears once a switch was read.
  const located = devices.some((d) => d.location);
  const header = [
    'IP',
    'MAC',
    'VERDICT',
    'MAKER',
    'TYPE',
    'MODEL',
    'FIRMWARE',
    'RULES',
    ...(located ? ['WHERE'] : []),
  ];
  const rows = devices.map((d) => [
    d.ip,
    d.mac ?? '-',
    d.verdict,
    clip(maker(d), 28),
    d.identity.deviceType ?? '-',
    clip(d.identity.model ?? '-', 24),
    clip(d.identity.firmware ?? '-', 24),
    clip(
      d.findings
        .filter((f) => f.status !== 'upcoming')
        .map((f) => f.rule)
        .join(', ') || '-',
      60,
    ),
    ...(located ? [clip(locationText(d.location) || '-', 60)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();

  const out: string[] = [];
  const s = report.summary;
  out.push(
    `camsweep: ${s.devices} devices on ${s.hosts} addresses — ${s.covered} covered, ${s.suspect} suspect, ${s.notCovered} not covered, ${s.unknown} unknown` +
      (report.scan.partial ? '  (PARTIAL: the scan was cut short)' : ''),
  );
  out.push('');
  out.push(line(header));
  devices.forEach((d, i) => {
    const cells = rows[i]!;
    const text = line(cells);
    // Colour only the verdict cell; padding is computed on the plain text.
    const start = widths[0]! + widths[1]! + 4;
    out.push(
      text.slice(0, start) +
        paint(d.verdict, text.slice(start, start + widths[2]!)) +
        text.slice(start + widths[2]!),
    );
    if (d.verdict === 'covered' || d.verdict === 'suspect') {
      for (const f of d.findings) {
        out.push(
          `    ${f.status === 'upcoming' ? 'upcoming' : 'rule'}: ${clip(f.rule, 64)} — ${clip(f.citation, 100)}`,
        );
      }
      for (const e of d.evidence.slice(0, EVIDENCE_SHOWN)) {
        const where =
          e.port !== undefined ? `${e.probe}:${e.port}${e.path ? clip(e.path, 40) : ''}` : e.probe;
        out.push(
          `    evidence: ${clip(e.key, 40)} = "${clip(e.value, 70)}"${e.signature ? ` [${clip(e.signature, 48)}]` : ''} (${where})`,
        );
      }
      if (d.evidence.length > EVIDENCE_SHOWN)
        out.push(`    … ${d.evidence.length - EVIDENCE_SHOWN} more in the JSON report`);
    }
  });
  const troubled = (report.scan.probeStatus ?? []).filter((p) => p.outcome !== 'ok' || p.message);
  const discovery = report.scan.discovery;
  if (discovery) {
    out.push('');
    out.push(
      `discovery: ${discovery.mode}, ${discovery.liveHosts} live hosts; cannot see: ${discovery.blindSpots}`,
    );
  }
  if (troubled.length > 0) {
    out.push('');
    for (const p of troubled)
      out.push(`probe ${p.probe}: ${p.outcome}${p.message ? ` — ${forTerminal(p.message)}` : ''}`);
  }
  const risky = devices.flatMap((d) => (d.risks ?? []).map((r) => ({ d, r })));
  if (risky.length > 0) {
    out.push('');
    out.push('Firmware risk (from reported firmware strings; nothing was sent to test it):');
    for (const { d, r } of risky)
      out.push(`  ${d.ip}  ${r.cve}${r.kev ? ' [KEV]' : ''} ${r.certainty} — fixed in: ${clip(r.fixed, 80)}`);
  }
  const rules = rulesFreshness(report.scan, new Date(report.scan.startedAt));
  out.push('');
  out.push(`${forTerminal(rules.text)}; rules version ${forTerminal(report.scan.rulesVersion)}`);
  // The table ends with where camsweep looked and where it could not (coverage).
  if (report.coverage) {
    out.push('');
    out.push(coverageParagraph(report.coverage));
  }
  return `${out.join('\n')}\n`;
}

function maker(d: Device): string {
  const m = d.identity.manufacturer ?? '-';
  return d.identity.brand && d.identity.brand !== d.identity.manufacturer
    ? `${m} (as ${d.identity.brand})`
    : m;
}
