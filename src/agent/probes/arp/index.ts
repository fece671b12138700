/**
 * MAC addresses and their IEEE organisation (phase `neighbours`). Reads the kernel neighbour
 * table, which the discovery phase has just filled by talking to every live host on the
 * local segment; sends nothing itself. It runs before enrichment, so a host that answered
 * only ARP (every TCP port filtered) is still asked SNMP, HTTP and the rest. See README.md.
 */
import { readFile } from 'node:fs/promises';
import { defineSpec } from '../../../core/config-spec.js';
import { ouiOrganisations } from '../../../knowledge/identify/derive/oui.js';
import { probeSettings } from '../shared/common-config.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import { parseProcArp } from './codec.js';

const config = defineSpec({
  table: {
    type: 'string',
    default: '/proc/net/arp',
    doc: 'kernel neighbour table to read (Linux); the scan runs in the namespace whose table this is',
  },
});

async function run(ctx: ProbeContext): Promise<void> {
  let text: string;
  try {
    text = await readFile(probeSettings(config, ctx.config).table, 'utf8');
  } catch (err) {
    // Not Linux, or /proc hidden by a sandbox: no MACs this run, which is data, not a failure.
    ctx.log.info({ err: (err as Error).message }, 'neighbour table unreadable; no MAC addresses this run');
    return;
  }
  const entries = parseProcArp(text).filter((e) => ctx.scope.has(e.ip));
  const orgs = ouiOrganisations(entries.map((e) => e.mac));
  for (const entry of entries) {
    ctx.emit({ host: entry.ip, key: 'mac.address', value: entry.mac, iface: entry.device });
    const org = orgs.get(entry.mac) ?? null;
    if (org !== null) ctx.emit({ host: entry.ip, key: 'mac.oui.org', value: org, iface: entry.device });
  }
}

export const arpProbe: Probe = {
  id: 'arp',
  title: 'MAC addresses from the neighbour table, with IEEE OUI organisation',
  phase: 'neighbours',
  reach: 'segment',
  emits: ['mac.address', 'mac.oui.org'],
  identityKeys: { mac: ['mac.address'] },
  config,
  enabledByDefault: true,
  run,
};
