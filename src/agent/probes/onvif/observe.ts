/**
 * One WS-Discovery match (a ProbeMatch answering our Probe, or a Hello a camera sends unasked)
 * becomes observations here, once: the active probe and the daemon's passive listener both
 * call it, so both yield the same keys and the same signatures read both.
 */
import { macFromUuid, normaliseMac } from '../../../core/mac.js';
import type { Emit } from '../shared/reply.js';
import type { DiscoveryMatch } from './codec.js';

export function emitMatch(emit: Emit, m: DiscoveryMatch): void {
  emit('onvif.endpoint', m.endpointId);
  if (m.types.length > 0) emit('onvif.types', m.types.join(' '));
  for (const x of m.xaddrs) emit('onvif.xaddr', x);
  const seen = new Set<string>();
  for (const s of m.scopes) {
    const id = `${s.category}\n${s.value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    emit(`onvif.scope.${s.category}`, s.value);
  }
  const macs = new Set<string>();
  for (const s of m.scopes) {
    const mac = s.category === 'mac' ? normaliseMac(s.value) : null;
    if (mac) macs.add(mac);
  }
  // A time-based endpoint UUID carries the MAC in its node field (Hikvision).
  const fromUuid = macFromUuid(m.endpointId);
  if (fromUuid) macs.add(fromUuid);
  for (const mac of macs) emit('mac.address', mac);
}
