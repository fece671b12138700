/**
 * Hikvision SADP simulator (docs/protocols.md §2): answers an `inquiry` on UDP 37020 with the
 * fixture's re-typed ProbeMatch, sent to the multicast group 239.255.255.250:37020 as the
 * device-side implementation does, so the scanner must listen on the group.
 *
 * spec (device.yaml `services.sadp`):
 *   reply: sadp/probe-match.xml     answer file; {{uuid}} is the inquiry's Uuid
 *   replyTo: group | unicast | both default group
 *
 * Any request whose Types is not `inquiry` is logged as `sadp: REFUSED <types>` and never
 * answered; the lab tests assert that line never appears.
 */
import { readAnswer } from './answers.js';
import type { RunningSim, SimContext } from './types.js';
import { startUdpResponder } from './udp-responder.js';

const GROUP = '239.255.255.250';
const PORT = 37020;

export async function start(ctx: SimContext): Promise<RunningSim> {
  const file = typeof ctx.spec.reply === 'string' ? ctx.spec.reply : 'sadp/probe-match.xml';
  const replyTo = typeof ctx.spec.replyTo === 'string' ? ctx.spec.replyTo : 'group';
  readAnswer(ctx, file, { uuid: '' }); // fail at start when the answer file is missing

  const responder = await startUdpResponder(ctx, { port: PORT, group: GROUP }, (data, rinfo, own) => {
    const text = data.toString('utf8');
    if (!/<Probe>/.test(text)) return; // replies (ours or other devices') are not requests
    const types = /<Types>([^<]*)<\/Types>/.exec(text)?.[1] ?? '';
    if (types !== 'inquiry') {
      ctx.log(`sadp: REFUSED ${types.slice(0, 40)}`);
      return;
    }
    const uuid = /<Uuid>([^<]*)<\/Uuid>/.exec(text)?.[1] ?? '';
    const answer = readAnswer(ctx, file, { uuid });
    if (replyTo !== 'unicast') own.send(answer, PORT, GROUP);
    if (replyTo !== 'group') own.send(answer, rinfo.port, rinfo.address);
    ctx.log(`sadp: inquiry from ${rinfo.address}:${rinfo.port} answered (${replyTo})`);
  });

  return {
    async stop() {
      responder.close();
    },
  };
}
