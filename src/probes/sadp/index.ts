/**
 * Hikvision SADP: the read-only `inquiry` on UDP 37020 (protocols.md §2). The one protocol
 * that also sees factory-fresh, not yet activated Hikvision devices.
 */
import { randomUUID } from 'node:crypto';
import type { ConfigSpec } from '../../core/config-spec.js';
import { runDiscovery } from '../shared/discovery.js';
import { emitterFor, normaliseMac } from '../shared/reply.js';
import type { Datagram } from '../shared/udp.js';
import type { Probe } from '../types.js';
import { buildInquiry, EXCHANGE_FIELDS, isDeviceMessage, parseSadp, SADP_GROUP, SADP_PORT } from './codec.js';

const config: ConfigSpec = {
  timeout: {
    type: 'duration',
    default: '3s',
    minMs: 200,
    maxMs: 60_000,
    doc: 'how long to listen for replies after the last inquiry',
  },
  retries: {
    type: 'integer',
    default: 3,
    min: 1,
    max: 5,
    doc: 'times the multicast inquiry is sent (UDP loss)',
  },
  gap: {
    type: 'duration',
    default: '300ms',
    minMs: 10,
    maxMs: 5000,
    doc: 'pause between repeated inquiries',
  },
  unicast: {
    type: 'boolean',
    default: false,
    doc: 'also send the inquiry to every in-scope host on UDP 37020 (best effort: most devices answer to the group)',
  },
  listenGroup: {
    type: 'boolean',
    default: true,
    doc: 'bind UDP 37020 (shared, reuseAddr) and join 239.255.255.250 for replies sent to the group',
  },
};

interface SadpConfig {
  readonly timeout: number;
  readonly retries: number;
  readonly gap: number;
  readonly unicast: boolean;
  readonly listenGroup: boolean;
}

export const sadpProbe: Probe = {
  id: 'sadp',
  title: 'Hikvision SADP inquiry',
  phase: 'discover',
  emits: ['sadp.*', 'mac.address'],
  config,
  enabledByDefault: true,
  async run(ctx) {
    const cfg = ctx.config as unknown as SadpConfig;
    const uuid = randomUUID().toUpperCase();
    const seen = new Set<string>();

    const onDatagram = (d: Datagram) => {
      const msg = parseSadp(d.data);
      // Our own inquiry loops back to the group listener; other tools' requests are not answers.
      if (!msg || !isDeviceMessage(msg)) return;
      const emit = emitterFor(ctx, d);
      if (!emit) return;
      const once = (key: string, value: string) => {
        const id = `${d.from.address}\n${key}\n${value}`;
        if (seen.has(id)) return; // the same reply to each repeated inquiry, or to another tool
        seen.add(id);
        emit(key, value);
      };
      for (const [name, value] of msg.fields) {
        if (!EXCHANGE_FIELDS.has(name) && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name))
          once(`sadp.${name}`, value);
      }
      const mac = normaliseMac(msg.fields.get('MAC') ?? '');
      if (mac) once('mac.address', mac);
    };

    await runDiscovery({
      ctx,
      port: SADP_PORT,
      group: SADP_GROUP,
      payloads: [Buffer.from(buildInquiry(uuid), 'utf8')],
      repeats: cfg.retries,
      gapMs: cfg.gap,
      unicast: cfg.unicast,
      listenOnGroup: cfg.listenGroup,
      listenMs: cfg.timeout,
      onDatagram,
    });
  },
};
