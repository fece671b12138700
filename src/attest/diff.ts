/**
 * What changed since the previous attestation: devices that appeared or went away, verdict,
 * remediation and firmware-risk changes. Devices are matched by their key (site + MAC, serial
 * or IP), so a camera that changed address is the same camera.
 */
import type { AttestationData, AttestedDevice, Change } from './model.js';

function index(data: Pick<AttestationData, 'sites'>): Map<string, { site: string; d: AttestedDevice }> {
  const map = new Map<string, { site: string; d: AttestedDevice }>();
  for (const s of data.sites)
    for (const d of [...s.devices, ...s.otherRisks]) map.set(d.key, { site: s.site, d });
  return map;
}

const label = (d: AttestedDevice) =>
  `${d.ip}${d.identity.model ? ` ${d.identity.model}` : ''}${d.identity.manufacturer ? ` (${d.identity.manufacturer})` : ''}`;

export function changesBetween(
  previous: Pick<AttestationData, 'sites'>,
  current: Pick<AttestationData, 'sites'>,
): Change[] {
  const before = index(previous);
  const after = index(current);
  const changes: Change[] = [];
  for (const [key, { site, d }] of after) {
    const old = before.get(key);
    if (!old) {
      changes.push({ site, key, kind: 'new', text: `${label(d)}: newly listed as ${d.verdict}` });
      continue;
    }
    if (old.d.verdict !== d.verdict)
      changes.push({ site, key, kind: 'verdict', text: `${label(d)}: ${old.d.verdict} → ${d.verdict}` });
    const was = old.d.remediation?.state ?? 'open';
    const now = d.remediation?.state ?? 'open';
    if (was !== now)
      changes.push({ site, key, kind: 'remediation', text: `${label(d)}: remediation ${was} → ${now}` });
    const oldCves = new Set(old.d.risks.map((r) => r.cve));
    const newCves = new Set(d.risks.map((r) => r.cve));
    const fixed = [...oldCves].filter((c) => !newCves.has(c));
    const added = [...newCves].filter((c) => !oldCves.has(c));
    if (fixed.length > 0 || added.length > 0)
      changes.push({
        site,
        key,
        kind: 'risk',
        text: `${label(d)}: firmware risk${added.length ? ` added ${added.join(', ')}` : ''}${fixed.length ? ` cleared ${fixed.join(', ')}` : ''}`,
      });
  }
  for (const [key, { site, d }] of before)
    if (!after.has(key))
      changes.push({ site, key, kind: 'gone', text: `${label(d)}: no longer listed (was ${d.verdict})` });
  return changes.sort((a, b) => a.site.localeCompare(b.site) || a.key.localeCompare(b.key));
}
