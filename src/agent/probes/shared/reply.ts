/**
 * Turning a discovery reply into observations, the same way for every UDP probe: the host is
 * the UDP source (the device's own IP settings in the payload may be stale or foreign,
 * docs/protocols.md §1.1, §2.3), replies from outside the scope are dropped, values are capped and
 * the receiving interface rides along.
 */
import { cap } from '../../../core/text.js';
import type { ProbeContext } from './types.js';
import type { Datagram } from './udp.js';

export type Emit = (key: string, value: string | number | boolean) => void;

/**
 * An emitter for one datagram, or null when its source is outside the scope. With `seen`,
 * a fact already reported for this host is dropped: devices answer every repeated request,
 * and answers to other tools arrive too.
 */
export function emitterFor(ctx: ProbeContext, d: Datagram, seen?: Set<string>): Emit | null {
  const host = d.from.address;
  if (!ctx.scope.has(host)) {
    ctx.log.debug({ host }, 'reply from a host outside the scope ignored');
    return null;
  }
  return (key, value) => {
    const v = typeof value === 'string' ? cap(value) : value;
    if (seen) {
      const id = `${host}\n${key}\n${v}`;
      if (seen.has(id)) return;
      seen.add(id);
    }
    ctx.emit({ host, key, value: v, ...(d.iface ? { iface: d.iface } : {}) });
  };
}
