/** One CSV row per device for spreadsheets and asset registers; fields escaped with forCsv. */

import type { Report } from '../../contract/types.js';
import { forCsv } from '../../core/text.js';

const COLUMNS = [
  'ip',
  'mac',
  'hostnames',
  'verdict',
  'manufacturer',
  'brand',
  'deviceType',
  'model',
  'firmware',
  'serial',
  'confidence',
  'rules',
  'citations',
  'evidence',
  'site',
  'scannedAt',
  'switch',
  'port',
  'vlan',
] as const;

export function renderCsv(report: Report): string {
  const lines = [COLUMNS.join(',')];
  for (const d of report.devices) {
    const applied = d.findings.filter((f) => f.status !== 'upcoming');
    const row: Record<(typeof COLUMNS)[number], string> = {
      ip: d.ip,
      mac: d.mac ?? '',
      hostnames: d.hostnames.join(' '),
      verdict: d.verdict,
      manufacturer: d.identity.manufacturer ?? '',
      brand: d.identity.brand ?? '',
      deviceType: d.identity.deviceType ?? '',
      model: d.identity.model ?? '',
      firmware: d.identity.firmware ?? '',
      serial: d.identity.serial ?? '',
      confidence: d.identity.confidence.toFixed(2),
      rules: applied.map((f) => f.rule).join(' '),
      citations: applied.map((f) => f.citation).join('; '),
      evidence: d.evidence
        .map((e) => `${e.key}=${e.value}${e.signature ? ` [${e.signature}]` : ''}`)
        .join('; '),
      site: report.agent.site,
      scannedAt: report.scan.startedAt,
      switch: d.location
        ? d.location.switchName
          ? `${d.location.switchName} (${d.location.switch})`
          : d.location.switch
        : '',
      port: d.location ? d.location.port + (d.location.portAlias ? ` (${d.location.portAlias})` : '') : '',
      vlan: d.location?.vlan != null ? String(d.location.vlan) : '',
    };
    lines.push(COLUMNS.map((c) => forCsv(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
