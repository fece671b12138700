/**
 * Per-interface UDP discovery sockets, shared by the onvif, sadp and dhip probes.
 *
 * docs/protocols.md §8.1: one sending socket per in-scope interface, bound to that interface's
 * address with `setMulticastInterface` so multicast leaves only where the scope allows and
 * every unicast reply to it is known to have come in on that interface; one extra socket for
 * unicast to hosts outside every local subnet (routed targets); and optionally a listener on
 * the protocol's well-known port with `reuseAddr`, joined to the group on each interface,
 * for devices that answer to the group instead of to us (SADP, DHIP).
 *
 * Socket errors are data: they are logged and the socket is dropped, never left as an
 * unhandled 'error' event (node-onvif's crash, §6.1).
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseIpv4 } from '../../../core/ipv4.js';
import type { Logger } from '../../../core/log.js';
import type { LocalInterface } from '../../../core/scope.js';

/** Datagrams larger than this are cut before any parser sees them (IPv4 UDP max is 65507). */
export const MAX_DATAGRAM = 65_536;

export interface Datagram {
  readonly data: Buffer;
  readonly from: { readonly address: string; readonly port: number };
  /** Name of the local interface it arrived on, when known. */
  readonly iface?: string;
}

export interface SenderSocket {
  /** The interface this socket is tied to; absent for the routed-unicast socket. */
  readonly iface?: LocalInterface;
  send(payload: Uint8Array, port: number, address: string): Promise<boolean>;
}

export interface DiscoverySockets {
  /** One per in-scope interface that could be bound. */
  readonly perInterface: readonly SenderSocket[];
  /** Bound to 0.0.0.0: for unicast to hosts outside every local subnet. */
  readonly routed: SenderSocket | null;
  /** The socket to use for unicast to `host`. */
  senderFor(host: string): SenderSocket | null;
  close(): void;
}

export interface DiscoveryOptions {
  readonly interfaces: readonly LocalInterface[];
  readonly log: Logger;
  readonly onDatagram: (d: Datagram) => void;
  /** Multicast TTL; 1 keeps discovery on the local link (docs/protocols.md §1.1). */
  readonly ttl?: number;
  /** Enable SO_BROADCAST on the per-interface sockets (DHIP directed broadcast). */
  readonly broadcast?: boolean;
  /** Whether to open the routed-unicast socket. */
  readonly routed?: boolean;
}

/** The in-scope interface whose subnet holds `ip`, if any. */
export function interfaceFor(ip: string, interfaces: readonly LocalInterface[]): LocalInterface | undefined {
  const n = parseIpv4(ip);
  if (n === null) return undefined;
  return interfaces.find((i) => n >= i.subnet.first && n <= i.subnet.last);
}

function cut(data: Buffer): Buffer {
  return data.length > MAX_DATAGRAM ? data.subarray(0, MAX_DATAGRAM) : data;
}

async function bindSocket(socket: Socket, port: number, address?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: false }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function sender(socket: Socket, log: Logger, iface?: LocalInterface): SenderSocket {
  return {
    iface,
    send: (payload, port, address) =>
      new Promise<boolean>((resolve) => {
        socket.send(payload, port, address, (err) => {
          if (err) log.debug({ err: err.message, address, port }, 'udp send failed');
          resolve(!err);
        });
      }),
  };
}

/** Opens the sending sockets. Interfaces that cannot be bound are logged and skipped. */
export async function openDiscoverySockets(options: DiscoveryOptions): Promise<DiscoverySockets> {
  const { log } = options;
  const sockets: Socket[] = [];
  const perInterface: SenderSocket[] = [];
  let routed: SenderSocket | null = null;

  const open = async (address: string, iface?: LocalInterface): Promise<Socket | null> => {
    const socket = createSocket({ type: 'udp4', reuseAddr: false, recvBufferSize: 1 << 20 });
    socket.on('error', (err) => log.debug({ err: err.message, address }, 'udp socket error'));
    socket.on('message', (data, rinfo) =>
      options.onDatagram({
        data: cut(data),
        from: { address: rinfo.address, port: rinfo.port },
        iface: iface?.name ?? interfaceFor(rinfo.address, options.interfaces)?.name,
      }),
    );
    try {
      await bindSocket(socket, 0, address);
      if (iface) {
        socket.setMulticastInterface(iface.address);
        socket.setMulticastTTL(options.ttl ?? 1);
        if (options.broadcast) socket.setBroadcast(true);
      }
      sockets.push(socket);
      return socket;
    } catch (err) {
      log.warn({ err: (err as Error).message, address }, 'cannot open discovery socket; skipping');
      socket.close();
      return null;
    }
  };

  for (const iface of options.interfaces) {
    const s = await open(iface.address, iface);
    if (s) perInterface.push(sender(s, log, iface));
  }
  if (options.routed !== false) {
    const s = await open('0.0.0.0');
    if (s) routed = sender(s, log);
  }

  return {
    perInterface,
    routed,
    senderFor(host) {
      const iface = interfaceFor(host, options.interfaces);
      return (iface && perInterface.find((s) => s.iface === iface)) || routed;
    },
    close() {
      for (const s of sockets) s.close();
    },
  };
}

export interface GroupListener {
  close(): void;
}

/**
 * A udp4 socket with reuseAddr bound to `address:port`, for well-known discovery ports that
 * other software may also hold (also used by the lab's device simulators). Errors after the
 * bind go to `onError`, so none is ever an unhandled 'error' event.
 */
export async function bindShared(
  address: string,
  port: number,
  onError: (err: Error) => void,
): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 1 << 20 });
  socket.on('error', onError);
  try {
    await bindSocket(socket, port, address);
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

/**
 * Binds `0.0.0.0:port` with reuseAddr (another discovery tool may hold the port) and joins
 * `group` on every in-scope interface. Returns null when the port cannot be bound, which the
 * caller treats as "group replies unavailable", not as a failure.
 */
export async function openGroupListener(options: {
  readonly port: number;
  readonly group: string;
  readonly interfaces: readonly LocalInterface[];
  readonly log: Logger;
  readonly onDatagram: (d: Datagram) => void;
}): Promise<GroupListener | null> {
  const { log } = options;
  let socket: Socket;
  try {
    socket = await bindShared('0.0.0.0', options.port, (err) =>
      log.debug({ err: err.message, port: options.port }, 'group listener error'),
    );
  } catch (err) {
    log.warn(
      { err: (err as Error).message, port: options.port },
      'cannot bind discovery port; group replies unavailable',
    );
    return null;
  }
  socket.on('message', (data, rinfo) =>
    options.onDatagram({
      data: cut(data),
      from: { address: rinfo.address, port: rinfo.port },
      iface: interfaceFor(rinfo.address, options.interfaces)?.name,
    }),
  );
  let joined = 0;
  for (const iface of options.interfaces) {
    try {
      socket.addMembership(options.group, iface.address);
      joined++;
    } catch (err) {
      log.debug({ err: (err as Error).message, iface: iface.name }, 'cannot join group on interface');
    }
  }
  if (joined === 0) {
    socket.close();
    return null;
  }
  return { close: () => socket.close() };
}
