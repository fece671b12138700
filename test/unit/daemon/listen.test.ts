/**
 * The receive-only listener on real sockets: multicast on loopback inside the isolated
 * network namespace `npm test` creates (never in the host's namespace).
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listener, MAX_DATAGRAMS_PER_SECOND, startListener } from '../../../src/agent/daemon/listen.js';
import { wsdHelloDecoder } from '../../../src/agent/probes/onvif/passive.js';
import type { ObservationInput } from '../../../src/agent/probes/shared/types.js';
import { silentLogger } from '../../../src/core/log.js';
import type { LocalInterface } from '../../../src/core/scope.js';
import { helloDahua } from '../../daemon/fixtures/announcements.js';

const isolated = process.env.CAMSWEEP_TEST_NETNS === '1';
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (!isolated) {
  if (inCI) throw new Error('listener tests must run inside the isolated namespace of `npm test`');
  console.warn('skipping listener tests: not in an isolated network namespace (run `npm test` as root)');
}

const lo: LocalInterface = {
  name: 'lo',
  address: '127.0.0.1',
  prefix: 8,
  subnet: { first: 0x7f000000, last: 0x7fffffff },
};
const hello = helloDahua('127.0.0.1');
let listener: Listener | null = null;
afterEach(async () => {
  await listener?.close();
  listener = null;
});

async function send(port: number, payloads: Buffer[]): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.setMulticastInterface('127.0.0.1');
  s.setMulticastLoopback(true);
  for (const p of payloads) await new Promise<void>((r) => s.send(p, port, '239.255.255.250', () => r()));
  s.close();
}

describe.runIf(isolated)('startListener', () => {
  it('hears a Hello sent to the WS-Discovery group and credits it to the sender and interface', async () => {
    const heard: ObservationInput[] = [];
    listener = await startListener(wsdHelloDecoder, [lo], (o) => heard.push(...o), silentLogger, 0);
    expect(listener?.joined).toEqual(['lo']);
    await send(listener!.port, [Buffer.from(hello)]);
    await expect.poll(() => heard.length, { timeout: 2000 }).toBeGreaterThan(0);
    expect(heard.every((o) => o.host === '127.0.0.1' && o.iface === 'lo')).toBe(true);
    expect(heard.some((o) => o.key === 'onvif.scope.hardware' && o.value === 'IPC-HFW2228M-I1-V2')).toBe(
      true,
    );
  });

  it('shares the port with another socket (reuseAddr), as wsdd or a running scan would hold it', async () => {
    const other = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((r) => other.bind(0, '0.0.0.0', () => r()));
    const port = other.address().port;
    const heard: ObservationInput[] = [];
    listener = await startListener(wsdHelloDecoder, [lo], (o) => heard.push(...o), silentLogger, port);
    expect(listener).not.toBeNull();
    other.close();
  });

  it('caps the datagrams it decodes per second under a flood', async () => {
    let batches = 0;
    listener = await startListener(wsdHelloDecoder, [lo], () => void batches++, silentLogger, 0);
    await send(
      listener!.port,
      Array.from({ length: MAX_DATAGRAMS_PER_SECOND * 3 }, () => Buffer.from(hello)),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(MAX_DATAGRAMS_PER_SECOND);
  });
});
