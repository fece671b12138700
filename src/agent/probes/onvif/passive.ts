/**
 * WS-Discovery Hello, heard passively (docs/protocols.md §1.5): the same observations as a
 * ProbeMatch (emitMatch), about the announcer. Bye carries nothing to report; non-cameras are
 * noise. Values are capped tighter than the runner's cap: an announcement is unsolicited.
 */
import { cap } from '../../../core/text.js';
import type { AnnouncementDecoder, ObservationInput } from '../shared/types.js';
import { isOnvifMatch, parseHelloBye, WSD_GROUP, WSD_PORT } from './codec.js';
import { emitMatch } from './observe.js';

/** Longest value kept from an announcement. */
const MAX_ANNOUNCED_CHARS = 1024;

export const wsdHelloDecoder: AnnouncementDecoder = {
  id: 'onvif',
  port: WSD_PORT,
  group: WSD_GROUP,
  decode(datagram, source) {
    const entries = parseHelloBye(datagram);
    if (!entries) return [];
    const out: ObservationInput[] = [];
    // The announcer itself; XAddrs may name a NAT or a stale address.
    const emit = (key: string, value: string | number | boolean) =>
      out.push({ host: source, key, value: cap(String(value), MAX_ANNOUNCED_CHARS) });
    for (const { kind, match } of entries) {
      if (kind === 'hello' && isOnvifMatch(match)) emitMatch(emit, match);
    }
    return out;
  },
};
