/**
 * Turns announcement datagrams into observations, with the codecs the active probes use, so
 * a Hello yields the same keys as a ProbeMatch and the same signatures read both.
 */
import { cap } from '../core/text.js';
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
