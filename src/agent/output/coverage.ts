/**
 * The one-paragraph coverage summary that ends the table output: what the scan reached, and
 * every blind spot by name, so a clean result is never read as "the whole network is clean".
 */
import type { Coverage, DeviceLocation } from '../../contract/types.js';
import { forTerminal } from '../../core/text.js';

const KIND_WORDS: Record<Coverage['blindSpots'][number]['kind'], string> = {
  'routed-no-multicast': 'routed, no multicast discovery',
  excluded: 'excluded',
  filtered: 'filtered (every connect timed out)',
  unreachable: 'unreachable (no route)',
  'beyond-scope': 'seen only in switch tables',
  'switch-unread': 'switch not read',
};

export function coverageParagraph(c: Coverage): string {
  const parts: string[] = [];
  const subnets = c.subnets.map((s) => {
    const how = s.local ? 'local segment' : 'routed';
    const extra = s.viaSwitch > 0 ? `, ${s.viaSwitch} more known from switch tables` : '';
    return `${s.target} (${how}): ${s.answered} of ${s.inScope} addresses answered, ${s.neighbours} in the neighbour table, ${s.silent} never answered${extra}`;
  });
  parts.push(`Coverage: ${subnets.join('; ') || 'no target subnet'}.`);
  const read = c.switches.filter((s) => s.outcome === 'read');
  if (c.switches.length > 0) {
    const macs = read.reduce((n, s) => n + s.macs, 0);
    const bare = read.reduce((n, s) => n + s.macsWithoutAddress, 0);
    parts.push(
      `Switches: ${read.length} of ${c.switches.length} read, ${macs} MACs located on their ports` +
        (bare > 0 ? ` (${bare} with no IP address in any neighbour table, not listed as devices)` : '') +
        '.',
    );
  }
  if (c.probeTrouble.length > 0)
    parts.push(
      `Probes cut short or failed: ${c.probeTrouble.map((p) => `${p.probe} (${p.outcome})`).join(', ')}.`,
    );
  if (c.blindSpots.length === 0) parts.push('No blind spot recorded.');
  else
    parts.push(
      `Blind spots — nothing found there does not mean nothing is there: ${c.blindSpots
        .map((b) => `${b.subject} ${KIND_WORDS[b.kind]}`)
        .join('; ')}.`,
    );
  return forTerminal(parts.join(' '));
}

/** "switch port, VLAN n" for a table cell or a CSV field. */
export function locationText(l: DeviceLocation | undefined): string {
  if (!l) return '';
  const sw = l.switchName ? `${l.switchName} (${l.switch})` : l.switch;
  return `${sw} ${l.port}${l.vlan !== null ? ` vlan ${l.vlan}` : ''}`;
}
