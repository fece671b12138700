/**
 * Hikvision SADP simulator (protocols.md §2): answers an `inquiry` on UDP 37020 with the
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
import type { RemoteInfo } from 'node:dgram';
import { bindShared } from '../../../src/probes/shared/udp.js';
import { readAnswer } from './answers.js';
import type { RunningSim, SimContext } from './types.js';

const GROUP = '239.255.255.250';
const PORT = 37020;

/** Socket errors in a sim are the scanner's problem to notice, not the sim's to crash on. */
const ignore = (): void => undefined;

export async function start(ctx: SimContext): Promise<RunningSim> {
  const file = typeof ctx.spec.reply === 'string' ? ctx.spec.reply : 'sadp/probe-match.xml';
  const replyTo = typeof ctx.spec.replyTo === 'string' ? ctx.spec.replyTo : 'group';
  readAnswer(ctx, file, { uuid: '' }); // fail at start when the answer file is missing

  const group = await bindShared('0.0.0.0', PORT, ignore);
  group.addMembership(GROUP, ctx.ip);
  const own = await bindShared(ctx.ip, PORT, ignore);
  own.setMulticastInterface(ctx.ip);
  own.setMulticastTTL(1);

  const onMessage = (data: Buffer, rinfo: RemoteInfo) => {
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
  };
  group.on('message', onMessage);
  own.on('message', onMessage);

  return {
    async stop() {
      group.close();
      own.close();
    },
  };
}
