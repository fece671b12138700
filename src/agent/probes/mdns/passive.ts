/**
 * mDNS announcements heard passively, decoded with the codec the active mdns probe uses, so an
 * announcement yields the same keys as an answer to our query.
 */
import { type Answer, decode as decodeDns } from 'dns-packet';
import { parseIpv4 } from '../../../core/ipv4.js';
import type { AnnouncementDecoder, ObservationInput } from '../shared/types.js';
import { decodeTxt, dnsName } from './codec.js';

/** At most this many service instances are read from one mDNS datagram. */
const MAX_INSTANCES = 16;

/**
 * mDNS announcements and multicast answers (RFC 6762 §8.3; docs/protocols.md §5.6): a PTR for a
 * watched service type, with the instance's SRV, TXT and A records in the same datagram, as
 * Hikvision sends them. Yields the keys the mdns probe emits. Queries are ignored.
 */
export function mdnsAnnouncementDecoder(serviceTypes: readonly string[]): AnnouncementDecoder {
  const watched = new Map(serviceTypes.map((t) => [`${t.toLowerCase()}.local`, t]));
  return {
    id: 'mdns',
    port: 5353,
    group: '224.0.0.251',
    decode(datagram, source) {
      let packet: ReturnType<typeof decodeDns>;
      try {
        packet = decodeDns(datagram);
      } catch {
        return []; // truncated or malformed: noise
      }
      if (packet.type !== 'response') return [];
      const records: Answer[] = [...(packet.answers ?? []), ...(packet.additionals ?? [])].slice(0, 256);
      const named = (type: string, name: string) =>
        records.filter((r) => r.type === type && r.name.toLowerCase() === name.toLowerCase());
      const out: ObservationInput[] = [];
      let instances = 0;
      for (const ptr of records) {
        if (ptr.type !== 'PTR' || instances >= MAX_INSTANCES) continue;
        const service = watched.get(ptr.name.toLowerCase());
        const fullName = typeof ptr.data === 'string' ? ptr.data : null;
        if (!service || !fullName) continue;
        instances++;
        const srv = named('SRV', fullName)[0];
        const srvData = srv?.type === 'SRV' ? srv.data : null;
        const target = srvData ? dnsName(srvData.target) : null;
        const a = target ? named('A', srvData!.target)[0] : undefined;
        const address = a?.type === 'A' && parseIpv4(a.data) !== null ? a.data : source;
        const port = srvData && srvData.port > 0 && srvData.port < 65536 ? srvData.port : undefined;
        const common = { host: address, ...(port ? { port } : {}) };
        const suffix = `.${ptr.name}`;
        const instance = fullName.toLowerCase().endsWith(suffix.toLowerCase())
          ? fullName.slice(0, -suffix.length)
          : fullName;
        out.push({ ...common, key: 'mdns.service', value: service });
        const instanceName = dnsName(instance);
        if (instanceName) out.push({ ...common, key: 'mdns.instance', value: instanceName });
        if (target) out.push({ ...common, key: 'mdns.host', value: target });
        const txt = named('TXT', fullName)[0];
        if (txt?.type === 'TXT')
          for (const [k, v] of decodeTxt(txt.data)) out.push({ ...common, key: `mdns.txt.${k}`, value: v });
      }
      return out;
    },
  };
}
