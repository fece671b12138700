/**
 * Hikvision SADP: the read-only `inquiry` on UDP 37020 (docs/protocols.md §2). The one protocol
 * that also sees factory-fresh, not yet activated Hikvision devices.
 */
import { randomUUID } from 'node:crypto';
import { defineSpec } from '../../../core/config-spec.js';
import { normaliseMac } from '../../../core/mac.js';
import { probeSettings } from '../shared/common-config.js';
import { discoveryConfig, listenGroupField, runDiscovery } from '../shared/discovery.js';
import { emitterFor } from '../shared/reply.js';
import type { Probe } from '../shared/types.js';
import type { Datagram } from '../shared/udp.js';
import { buildInquiry, EXCHANGE_FIELDS, isDeviceMessage, parseSadp, SADP_GROUP, SADP_PORT } from './codec.js';

const config = defineSpec({
  ...discoveryConfig('inquiry', '300ms'),
  unicast: {
    type: 'boolean',
    default: false,
    doc: 'also send the inquiry to every in-scope host on a routed subnet, UDP 37020 (best effort: most devices answer to the group)',
  },
  listenGroup: listenGroupField(SADP_PORT, SADP_GROUP),
});

export const sadpProbe: Probe = {
  id: 'sadp',
  title: 'Hikvision SADP inquiry',
  phase: 'discover',
  reach: 'segment',
  emits: ['sadp.*', 'mac.address'],
  identityKeys: { mac: ['sadp.MAC', 'mac.address'], serial: ['sadp.DeviceSN'] },
  config,
  enabledByDefault: true,
  async run(ctx) {
    const cfg = probeSettings(config, ctx.config);
    const uuid = randomUUID().toUpperCase();
    const seen = new Set<string>();

    const onDatagram = (d: Datagram) => {
      const msg = parseSadp(d.data);
      // Our own inquiry loops back to the group listener; other tools' requests are not answers.
      if (!msg || !isDeviceMessage(msg)) return;
      const emit = emitterFor(ctx, d, seen);
      if (!emit) return;
      for (const [name, value] of msg.fields) {
        if (!EXCHANGE_FIELDS.has(name) && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name))
          emit(`sadp.${name}`, value);
      }
      const mac = normaliseMac(msg.fields.get('MAC') ?? '');
      if (mac) emit('mac.address', mac);
    };

    await runDiscovery({
      ctx,
      port: SADP_PORT,
      group: SADP_GROUP,
      payloads: [Buffer.from(buildInquiry(uuid), 'utf8')],
      repeats: cfg.retries,
      gapMs: cfg.gap,
      unicast: cfg.unicast,
      unicastOnLink: cfg.unicastOnLink,
      listenOnGroup: cfg.listenGroup,
      listenMs: cfg.timeout,
      onDatagram,
    });
  },
};
