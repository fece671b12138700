/**
 * Turns announcement datagrams into observations, with the codecs the active probes use, so
 * a Hello yields the same keys as a ProbeMatch and the same signatures read both.
 */
import { type Answer, decode as decodeDns } from 'dns-packet';
import { parseIpv4 } from '../../core/ipv4.js';
import { cap } from '../../core/text.js';
import { decodeTxt, dnsName } from '../probes/mdns/codec.js';
import { isOnvifMatch, parseHelloBye, WSD_GROUP, WSD_PORT } from '../probes/onvif/codec.js';
import type { ObservationInput } from '../probes/types.js';
import type { AnnouncementDecoder } from './listen.js';

/** WS-Discovery Hello (protocols.md §1.5). Bye carries nothing to report; non-cameras are noise. */
export const wsdHelloDecoder: AnnouncementDecoder = {
  id: 'onvif',
  port: WSD_PORT,
  group: WSD_GROUP,
  decode(datagram, source) {
    const entries = parseHelloBye(datagram);
    if (!entries) return [];
    const out: ObservationInput[] = [];
    for (const { kind, match } of entries) {
      if (kind !== 'hello' || !isOnvifMatch(match)) continue;
      const host = source; // the announcer itself; XAddrs may name a NAT or a stale address
      out.push({ host, key: 'onvif.endpoint', value: cap(match.endpointId, 256) });
      if (match.types.length > 0)
        out.push({ host, key: 'onvif.types', value: cap(match.types.join(' '), 1024) });
      for (const x of match.xaddrs) out.push({ host, key: 'onvif.xaddr', value: cap(x, 1024) });
      for (const s of match.scopes) {
        if (s.category !== 'other')
          out.push({ host, key: `onvif.scope.${s.category}`, value: cap(s.value, 1024) });
      }
    }
    return out;
  },
};

/** At most this many service instances are read from one mDNS datagram. */
const MAX_INSTANCES = 16;

/**
 * mDNS announcements and multicast answers (RFC 6762 §8.3; protocols.md §5.6): a PTR for a
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
