/**
 * Dahua DHIP discovery: `DHDiscover.search` on UDP 37810 (docs/protocols.md §3.1). Dahua and
 * its OEMs (Amcrest, Intelbras, "Private"/"General" vendors) answer with serial, model,
 * class, vendor, firmware and MAC, without login.
 */
import { defineSpec } from '../../../core/config-spec.js';
import { normaliseMac } from '../../../core/mac.js';
import { probeSettings } from '../shared/common-config.js';
import { discoveryConfig, listenGroupField, runDiscovery } from '../shared/discovery.js';
import { emitterFor } from '../shared/reply.js';
import type { Probe } from '../shared/types.js';
import type { Datagram } from '../shared/udp.js';
import { buildSearch, DHIP_GROUP, DHIP_PORT, flattenDeviceInfo, parseDhip } from './codec.js';

const config = defineSpec({
  ...discoveryConfig('search', '300ms'),
  unicast: {
    type: 'boolean',
    default: true,
    doc: 'also send the search once to every in-scope host on a routed subnet (UDP 37810)',
  },
  broadcast: {
    type: 'boolean',
    default: true,
    doc: "also send to each in-scope interface's directed broadcast address (never 255.255.255.255)",
  },
  listenGroup: listenGroupField(DHIP_PORT, DHIP_GROUP),
});

export const dhipProbe: Probe = {
  id: 'dhip',
  title: 'Dahua DHIP discovery',
  phase: 'discover',
  reach: 'segment',
  emits: ['dhip.*', 'mac.address'],
  identityKeys: { mac: ['dhip.mac', 'mac.address'], serial: ['dhip.SerialNo'] },
  config,
  enabledByDefault: true,
  async run(ctx) {
    const cfg = probeSettings(config, ctx.config);
    const seen = new Set<string>();

    const onDatagram = (d: Datagram) => {
      const msg = parseDhip(d.data);
      // Our own search loops back to the group listener and the broadcast; so do other tools'.
      if (!msg || msg.method === 'DHDiscover.search') return;
      const emit = emitterFor(ctx, d, seen);
      if (!emit) return;
      if (msg.mac !== null) emit('dhip.mac', msg.mac);
      for (const [name, value] of flattenDeviceInfo(msg.deviceInfo)) emit(`dhip.${name}`, value);
      const mac = normaliseMac(msg.mac ?? '');
      if (mac) emit('mac.address', mac);
    };

    await runDiscovery({
      ctx,
      port: DHIP_PORT,
      group: DHIP_GROUP,
      payloads: [buildSearch()],
      repeats: cfg.retries,
      gapMs: cfg.gap,
      unicast: cfg.unicast,
      unicastOnLink: cfg.unicastOnLink,
      broadcast: cfg.broadcast,
      listenOnGroup: cfg.listenGroup,
      listenMs: cfg.timeout,
      onDatagram,
    });
  },
};
