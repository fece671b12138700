/**
 * Dahua DHIP discovery simulator (docs/protocols.md §3.1): answers a DHIP-framed
 * `DHDiscover.search` on UDP 37810 (multicast 239.255.255.251, broadcast or unicast) with the
 * fixture's re-typed `client.notifyDevInfo` JSON in a DHIP frame, back to the source port.
 * Bare JSON without the DHIP header gets no answer, as rroller/dahua measured on devices.
 *
 * spec (device.yaml `services.dhip`):
 *   reply: dhip/device-info.json       answer file (JSON body; placeholders filled)
 *   replyTo: unicast | group | both    default unicast
 *   trailer: "\n\0"                    bytes after the JSON (default "\n"; one capture had "\n\0")
 *   joinGroup: false                   do not join 239.255.255.251 (hears broadcast/unicast only)
 */
import { readAnswer } from './answers.js';
import type { RunningSim, SimContext } from './types.js';
import { startUdpResponder } from './udp-responder.js';

const GROUP = '239.255.255.251';
const PORT = 37810;

/** Header written independently of the probe's codec: 0x20, "DHIP", 0, 0, len u64 ×2. */
function framed(body: Buffer): Buffer {
  const h = Buffer.alloc(32);
  h.writeUInt32LE(0x20, 0);
  h.write('DHIP', 4, 'ascii');
  h.writeUInt32LE(body.length, 16);
  h.writeUInt32LE(body.length, 24);
  return Buffer.concat([h, body]);
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  const file = typeof ctx.spec.reply === 'string' ? ctx.spec.reply : 'dhip/device-info.json';
  const replyTo = typeof ctx.spec.replyTo === 'string' ? ctx.spec.replyTo : 'unicast';
  const trailer = typeof ctx.spec.trailer === 'string' ? ctx.spec.trailer : '\n';
  const answer = () => framed(Buffer.from(readAnswer(ctx, file).trim() + trailer, 'utf8'));
  answer(); // fail at start when the answer file is missing

  const responder = await startUdpResponder(
    ctx,
    { port: PORT, group: GROUP, joinGroup: ctx.spec.joinGroup !== false },
    (data, rinfo, own) => {
      if (data.length < 32 || data.toString('ascii', 4, 8) !== 'DHIP') return;
      if (!data.toString('utf8', 32).includes('"DHDiscover.search"')) return;
      const reply = answer();
      if (replyTo !== 'group') own.send(reply, rinfo.port, rinfo.address);
      if (replyTo !== 'unicast') own.send(reply, PORT, GROUP);
      ctx.log(`dhip: search from ${rinfo.address}:${rinfo.port} answered (${replyTo})`);
    },
  );

  return {
    async stop() {
      responder.close();
    },
  };
}
