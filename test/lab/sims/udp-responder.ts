/**
 * The socket pair every UDP discovery simulator needs, as a device has it: a shared listener
 * on 0.0.0.0:<port> that joins the multicast group (requests sent to the group), and a socket
 * on the device's own address (unicast requests, and the source of every answer, so replies
 * leave from the device's IP and well-known port like a real camera's).
 */
import type { RemoteInfo } from 'node:dgram';
import { bindShared } from '../../../src/agent/probes/shared/udp.js';
import type { SimContext } from './types.js';

export interface UdpResponder {
  /** Sends from the device's own address and port. */
  send(data: Buffer | string, port: number, address: string): void;
  close(): void;
}

/** Socket errors in a sim are the scanner's problem to notice, not the sim's to crash on. */
const ignore = (): void => undefined;

export async function startUdpResponder(
  ctx: SimContext,
  options: { port: number; group: string; joinGroup?: boolean },
  onRequest: (data: Buffer, from: RemoteInfo, responder: UdpResponder) => void,
): Promise<UdpResponder> {
  const group = await bindShared('0.0.0.0', options.port, ignore);
  if (options.joinGroup !== false) group.addMembership(options.group, ctx.ip);
  const own = await bindShared(ctx.ip, options.port, ignore);
  own.setMulticastInterface(ctx.ip);
  own.setMulticastTTL(1);
  const responder: UdpResponder = {
    send: (data, port, address) => own.send(data, port, address),
    close: () => {
      group.close();
      own.close();
    },
  };
  const onMessage = (data: Buffer, from: RemoteInfo) => onRequest(data, from, responder);
  group.on('message', onMessage);
  own.on('message', onMessage);
  return responder;
}
