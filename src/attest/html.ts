/**
 * Renders an attestation as one self-contained HTML file: inline print CSS, no script, no
 * external resource, a Content-Security-Policy that allows only that stylesheet, and the
 * canonical data embedded as inert JSON so the printed hash can be recomputed from the file
 * itself. Every value passes through `esc` — device strings are attacker-controlled.
 */
import { createHash } from 'node:crypto';
import { RULES_STALE_DAYS, rulesFreshness } from '../contract/rules-as-of.js';
import type { Finding, Risk } from '../contract/types.js';
import { canonicalJson } from './canonical.js';
import type { AttestationData, AttestedDevice, SiteAttestation } from './model.js';

export const EMBED_ID = 'camsweep-attestation-data';
/** Longest device-supplied text printed in full; the report JSON has the rest. */
const SHOWN = 300;

export function esc(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** Device text: control characters shown as \xNN, capped, escaped. */
function dev(value: string | null | undefined, max = SHOWN): string {
  if (value === null || value === undefined || value === '') return '—';
  const visible = value.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return esc(visible.length > max ? `${visible.slice(0, max)}… (${visible.length} characters)` : visible);
}

function link(url: string | undefined): string {
  if (!url || !/^https:\/\/[^\s"'<>]+$/.test(url)) return esc(url ?? '');
  return `<a href="${esc(url)}">${esc(url)}</a>`;
}

const CSS = `
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 17pt; margin: 0 0 4pt; }
h2 { font-size: 13.5pt; margin: 18pt 0 6pt; border-bottom: 1.5pt solid #333; padding-bottom: 2pt; }
h3 { font-size: 11pt; margin: 12pt 0 4pt; }
h4 { font-size: 10pt; margin: 8pt 0 3pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; }
th, td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; overflow-wrap: anywhere; word-break: break-word; }
th { background: #eee; font-weight: 600; overflow-wrap: normal; word-break: normal; }
thead { display: table-header-group; }
li, p { overflow-wrap: anywhere; word-break: break-word; }
tr, .sig, .keep { break-inside: avoid; page-break-inside: avoid; }
h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
.site { break-before: page; page-break-before: always; }
.site:first-of-type { break-before: auto; page-break-before: auto; }
.device { border: 0.75pt solid #666; padding: 4pt 8pt; margin: 8pt 0; }
.verdict-covered { color: #a00; font-weight: 700; }
.verdict-suspect { color: #a60; font-weight: 700; }
.warn { border-left: 3pt solid #c60; padding: 2pt 6pt; background: #fff4e5; }
.muted { color: #555; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
code, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
.sig td { height: 26pt; }
.stack th { width: 28%; }
.stack { margin: 3pt 0 6pt; }
footer { margin-top: 16pt; font-size: 8.5pt; color: #444; }
@media screen { body { padding: 12px; } }
`;

// Findings and risks are stacked label/value tables rather than wide grids: narrow columns
// would break dates and citations mid-word on paper and scramble them for text extraction.
function stacked(rows: readonly [string, string][]): string {
  return `<table class="stack keep"><tbody>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

function findingRows(findings: readonly Finding[]): string {
  if (findings.length === 0) return '<p class="muted">No rule finding.</p>';
  return findings
    .map((f) =>
      stacked([
        [
          'Rule',
          `<code>${esc(f.rule)}</code> — ${esc(f.title)}${f.authority ? ` <span class="muted">(${esc(f.authority)})</span>` : ''}`,
        ],
        ['Citation', esc(f.citation)],
        [
          'In force since',
          `${esc(f.effective)}${f.status === 'upcoming' ? ' (upcoming: not yet in force on the scan date)' : ''}`,
        ],
        ['Why it applies', dev(f.basis, 600)],
        ...(f.source ? ([['Source', link(f.source)]] as [string, string][]) : []),
      ]),
    )
    .join('\n');
}

function riskRows(risks: readonly Risk[]): string {
  if (risks.length === 0) return '<p class="muted">No firmware advisory matches the reported firmware.</p>';
  return risks
    .map((r) =>
      stacked([
        ['Vulnerability', `<code>${esc(r.cve)}</code> — ${esc(r.title)}`],
        ['CISA KEV', r.kev ? 'yes: known to be exploited' : 'no'],
        ['Match', esc(r.certainty)],
        ['Fixed in', esc(r.fixed)],
        ['Basis', dev(r.basis, 400)],
        ['Source', link(r.source)],
      ]),
    )
    .join('\n');
}

function deviceBlock(d: AttestedDevice): string {
  const id = d.identity;
  const maker =
    id.brand && id.brand !== id.manufacturer
      ? `${id.manufacturer ?? '?'} (badge ${id.brand})`
      : id.manufacturer;
  const loc = d.location;
  const rem = d.remediation;
  const evidence = d.evidence
    .map(
      (e) =>
        `<li><code>${dev(e.key, 80)}</code> = “${dev(e.value, 200)}”${e.signature ? ` <span class="muted">[${dev(e.signature, 64)}]</span>` : ''} <span class="muted">(${dev(e.probe, 32)}${e.port !== undefined ? `:${esc(e.port)}` : ''}${e.path ? dev(e.path, 80) : ''})</span></li>`,
    )
    .join('\n');
  return `<section class="device">
<h4>${esc(d.ip)} — ${dev(maker, 64)} ${dev(id.model, 80)} — <span class="verdict-${esc(d.verdict)}">${esc(d.verdict)}</span></h4>
<table class="keep"><tbody>
<tr><th>Manufacturer / brand</th><td>${dev(id.manufacturer, 64)}${id.brand ? ` / ${dev(id.brand, 64)}` : ''}</td><th>Type</th><td>${esc(id.deviceType ?? '—')}</td></tr>
<tr><th>Model</th><td>${dev(id.model)}</td><th>Firmware</th><td>${dev(id.firmware)}</td></tr>
<tr><th>Serial</th><td>${dev(id.serial)}</td><th>Identity confidence</th><td>${esc(id.confidence.toFixed(2))}</td></tr>
<tr><th>MAC</th><td>${esc(d.mac ?? '—')}</td><th>Host names</th><td>${d.hostnames.length ? d.hostnames.map((h) => dev(h, 120)).join(', ') : '—'}</td></tr>
<tr><th>Location</th><td colspan="3">${loc ? `switch ${dev(loc.switch, 80)}, port ${dev(loc.port, 40)}, VLAN ${dev(loc.vlan, 20)}` : `IP ${esc(d.ip)}; switch, port and VLAN not recorded`}</td></tr>
<tr><th>Remediation</th><td>${esc(rem?.state ?? 'open (no record)')}${rem?.updatedAt ? ` <span class="muted">since ${esc(rem.updatedAt)}</span>` : ''}</td>
<th>Exemption</th><td>${rem && rem.state === 'exempted' ? `approved by ${dev(rem.approver, 120)}; reason: ${dev(rem.reason, 400)}; expires ${esc(rem.expiresAt ?? 'never')}` : '—'}</td></tr>
</tbody></table>
<h4>Rules that apply</h4>
${findingRows(d.findings)}
<h4>Evidence (${esc(d.evidence.length)} of ${esc(d.evidenceTotal)} items)</h4>
<ul>${evidence || '<li class="muted">none</li>'}</ul>
<h4>Firmware risk (separate from the verdict; from the reported firmware string only)</h4>
${riskRows(d.risks)}
</section>`;
}

function coverageBlock(coverage: unknown): string {
  if (coverage === null || coverage === undefined)
    return '<p class="muted">This agent version did not record a coverage statement.</p>';
  if (typeof coverage !== 'object') return `<p>${dev(String(coverage), 2000)}</p>`;
  const rows = Object.entries(coverage as Record<string, unknown>)
    .slice(0, 40)
    .map(
      ([k, v]) =>
        `<tr><th>${dev(k, 80)}</th><td>${dev(typeof v === 'string' ? v : JSON.stringify(v), 1200)}</td></tr>`,
    )
    .join('\n');
  return `<table><tbody>${rows}</tbody></table>`;
}

function siteBlock(s: SiteAttestation, generatedAt: Date): string {
  const rules = rulesFreshness(
    { rulesVersion: s.rules.version, ...(s.rules.asOf ? { rulesAsOf: s.rules.asOf } : {}) },
    generatedAt,
  );
  const troubled = s.method.probeStatus.filter((p) => p.outcome !== 'ok');
  const partial = s.scans.some((x) => x.partial);
  const sum = s.summary;
  const blind = [
    ...(partial
      ? ['At least one scan was cut short (partial): hosts it did not reach are not described here.']
      : []),
    ...troubled.map(
      (p) =>
        `Probe ${p.probe} ${p.outcome}${p.message ? `: ${p.message}` : ''} — what only it would have seen is missing.`,
    ),
    'Devices switched off, on networks outside the targets, behind firewalls that drop every probe, or answering no probe camsweep sends are not seen.',
    'A unit whose firmware does not reveal its maker can only be listed as unknown or suspect.',
  ];
  return `<section class="site">
<h2>Site: ${dev(s.site, 128)}</h2>
<table class="keep"><tbody>
<tr><th>Scans</th><td>${s.scans.map((x) => `${esc(x.startedAt)} – ${esc(x.finishedAt)}${x.partial ? ' <strong>(partial)</strong>' : ''} <span class="muted mono">${esc(x.reportId)}</span>`).join('<br>')}</td></tr>
<tr><th>Agents</th><td>${s.agents.map((a) => `${dev(a.id, 128)} (camsweep ${dev(a.version, 64)})`).join('<br>')}</td></tr>
<tr><th>Rules</th><td>version <code>${dev(s.rules.version, 64)}</code>, profile <code>${dev(s.rules.profile ?? 'not recorded', 64)}</code><br><strong>${esc(rules.text)}</strong></td></tr>
</tbody></table>
${rules.stale ? `<p class="warn">The rules are more than ${RULES_STALE_DAYS} days old. Laws and lists change; update camsweep's signatures and rescan before signing.</p>` : ''}
<h3>Scope and coverage</h3>
<p>Targets: ${s.scope.targets.map((t) => `<code>${dev(t, 64)}</code>`).join(', ') || '—'}</p>
${coverageBlock(s.scope.coverage)}
<h4>Blind spots</h4>
<ul>${blind.map((b) => `<li>${dev(b, 600)}</li>`).join('\n')}</ul>
<h3>Method</h3>
<p>Probes: ${s.method.probes.map((p) => `<code>${dev(p, 32)}</code>`).join(', ')}. Rate limit: ${s.method.rate === null ? 'not recorded in the report' : `${esc(s.method.rate)} packets per second`}. Exclusions: ${s.method.exclusions === null ? 'not recorded in the report' : s.method.exclusions.length === 0 ? 'none' : s.method.exclusions.map((x) => `<code>${dev(x, 64)}</code>`).join(', ')}.
Firmware risk is read from firmware strings the devices reported; nothing was sent to any device to test a vulnerability.</p>
${s.method.probeStatus.length ? `<table><thead><tr><th>Probe</th><th>Outcome</th><th>Observations</th><th>Duration</th></tr></thead><tbody>${s.method.probeStatus.map((p) => `<tr><td>${dev(p.probe, 32)}</td><td>${esc(p.outcome)}</td><td>${esc(p.observations)}</td><td>${esc(Math.round(p.durationMs))} ms</td></tr>`).join('')}</tbody></table>` : ''}
<h3>Summary</h3>
<table class="keep"><thead><tr><th>Addresses scanned</th><th>Devices</th><th>Covered</th><th>Suspect</th><th>Not covered</th><th>Unknown</th><th>With firmware risk</th></tr></thead>
<tbody><tr><td>${esc(sum.hosts)}</td><td>${esc(sum.devices)}</td><td>${esc(sum.covered)}</td><td>${esc(sum.suspect)}</td><td>${esc(sum.notCovered)}</td><td>${esc(sum.unknown)}</td><td>${esc([...s.devices, ...s.otherRisks].filter((d) => d.risks.length > 0).length)}</td></tr></tbody></table>
<h3>Covered and suspect devices (${esc(s.devices.length)})</h3>
${s.devices.map(deviceBlock).join('\n') || '<p>None.</p>'}
${s.otherRisks.length ? `<h3>Other devices with firmware risk (${esc(s.otherRisks.length)})</h3>${s.otherRisks.map(deviceBlock).join('\n')}` : ''}
</section>`;
}

/** JSON safe inside <script>: no "<", ">", "&" or line separators survive literally. */
function embeddable(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function renderHtml(data: AttestationData, hash: string, generatedAt: Date): string {
  const styleHash = createHash('sha256').update(CSS).digest('base64');
  const csp = `default-src 'none'; style-src 'sha256-${styleHash}'; img-src data:; form-action 'none'; base-uri 'none'`;
  const org = data.organisation ?? 'organisation not given';
  const sites = data.sites.map((s) => s.site);
  const changes =
    data.changes === null
      ? '<p class="muted">No previous attestation was supplied, so nothing is compared.</p>'
      : data.changes.length === 0
        ? `<p>No change since the previous attestation${data.previous ? ` (<span class="hash">${esc(data.previous.hash)}</span>)` : ''}.</p>`
        : `<p>Compared with the previous attestation${data.previous ? ` <span class="hash">${esc(data.previous.hash)}</span>` : ''}:</p>
<table><thead><tr><th>Site</th><th>Change</th><th>Device</th></tr></thead><tbody>${data.changes
            .map(
              (c) =>
                `<tr><td>${dev(c.site, 128)}</td><td>${esc(c.kind)}</td><td>${dev(c.text, 400)}</td></tr>`,
            )
            .join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="camsweep-attestation-sha256" content="${esc(hash)}">
<title>Attestation: ${dev(org, 128)} — ${dev(sites.join(', '), 200)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Attestation of covered telecommunications and video-surveillance equipment</h1>
<table class="keep"><tbody>
<tr><th>Organisation</th><td>${dev(org, 200)}</td></tr>
<tr><th>Sites</th><td>${sites.map((s) => dev(s, 128)).join(', ')}</td></tr>
<tr><th>Generated</th><td>${esc(generatedAt.toISOString())}</td></tr>
<tr><th>SHA-256 of the canonical report data</th><td class="hash">${esc(hash)}</td></tr>
</tbody></table>
<p class="muted">The hash is of the data embedded in this file (canonical JSON: keys sorted, no whitespace). <code>camsweep report verify</code> recomputes it and checks the organisation's signature, if any.</p>
</header>
${data.sites.map((s) => siteBlock(s, generatedAt)).join('\n')}
<section class="keep">
<h2>Changes since the previous attestation</h2>
${changes}
</section>
<section class="sig">
<h2>Signature</h2>
<p>I attest that, to the best of my knowledge, this report lists every device on the sites and networks above that camsweep identified as covered or suspect under the rules named, as of the scan dates shown, and that the remediation and exemptions recorded are accurate.</p>
<table><tbody>
<tr><th>Name</th><td></td><th>Title</th><td></td></tr>
<tr><th>Signature</th><td></td><th>Date</th><td></td></tr>
<tr><th>Reviewed by</th><td></td><th>Date</th><td></td></tr>
</tbody></table>
</section>
<footer>camsweep attestation · ${esc(data.schema)} · SHA-256 <span class="hash">${esc(hash)}</span></footer>
<script type="application/json" id="${EMBED_ID}">${embeddable(canonicalJson(data))}</script>
</body>
</html>
`;
}
