/**
 * A receive-only multicast listener: binds the protocol's well-known port on 0.0.0.0 with
 * SO_REUSEADDR (other local software — wsdd, avahi, a scan's own probe — may hold it too;
 * docs/protocols.md §1.5, §6.2) and joins the group on in-scope interfaces only. It never sends.
 * Datagrams are hostile: decoding is the codec's job, this layer caps the rate so a flood
 * costs bounded CPU.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseIpv4 } from '../../core/ipv4.js';
import type { Logger } from '../../core/log.js';
import type { LocalInterface } from '../../core/scope.js';
import type { AnnouncementDecoder, ObservationInput } from '../probes/shared/types.js';

export type { AnnouncementDecoder };

export interface Listener {
  readonly id: string;
  /** The bound UDP port (the protocol's own unless a test asked for an ephemeral one). */
  readonly port: number;
  /** Interface names the group was joined on. */
  readonly joined: readonly string[];
  close(): Promise<void>;
}

/** Datagrams decoded per second per listener; beyond it they are counted and dropped. */
export const MAX_DATAGRAMS_PER_SECOND = 200;

export async function startListener(
  decoder: AnnouncementDecoder,
  interfaces: readonly LocalInterface[],
  onHeard: (observations: ObservationInput[]) => void,
  log: Logger,
  bindPort: number = decoder.port,
): Promise<Listener | null> {
  const llog = log.child({ listener: decoder.id });
  const socket: Socket = createSocket({ type: 'udp4', reuseAddr: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(bindPort, '0.0.0.0', () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // A port we cannot share is a local condition, not a reason to stop scanning.
    llog.warn(
      { err: (err as Error).message, port: bindPort },
      'cannot listen for announcements; carrying on without them',
    );
    socket.close();
    return null;
  }
  socket.on('error', (err) => llog.warn({ err: err.message }, 'listener socket error'));

  const joined: string[] = [];
  for (const iface of interfaces) {
    try {
      socket.addMembership(decoder.group, iface.address);
      joined.push(iface.name);
    } catch (err) {
      llog.warn(
        { iface: iface.name, err: (err as Error).message },
        'cannot join the multicast group on this interface',
      );
    }
  }

  let windowStart = Date.now();
  let inWindow = 0;
  let dropped = 0;
  socket.on('message', (msg, rinfo) => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      if (dropped > 0) llog.warn({ dropped }, 'announcement flood: datagrams dropped');
      windowStart = now;
      inWindow = 0;
      dropped = 0;
    }
    if (++inWindow > MAX_DATAGRAMS_PER_SECOND) {
      dropped++;
      return;
    }
    let found: ObservationInput[];
    try {
      found = decoder.decode(msg, rinfo.address);
    } catch (err) {
      // A codec must not throw on garbage; if one does, that is its bug, not a reason to die.
      llog.error({ err: (err as Error).message }, 'announcement decoder threw (bug); datagram ignored');
      return;
    }
    if (found.length === 0) return;
    const iface = interfaceOf(interfaces, rinfo.address);
    onHeard(found.map((o) => (iface && o.iface === undefined ? { ...o, iface } : o)));
  });
  llog.info({ port: bindPort, group: decoder.group, interfaces: joined }, 'listening for announcements');

  return {
    id: decoder.id,
    port: socket.address().port,
    joined,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function interfaceOf(interfaces: readonly LocalInterface[], source: string): string | undefined {
  const n = parseIpv4(source);
  if (n === null) return undefined;
  return interfaces.find((i) => n >= i.subnet.first && n <= i.subnet.last)?.name;
}
