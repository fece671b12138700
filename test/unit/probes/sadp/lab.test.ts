/**
 * The sadp probe against the SADP simulator answering with the real DS-2CD2385G1-I reply,
 * inside a private network namespace (shared/netns.ts).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { sadpProbe } from '../../../../src/agent/probes/sadp/index.js';
import type { ObservationInput } from '../../../../src/agent/probes/shared/types.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { start } from '../../../lab/sims/sadp.js';
import type { RunningSim } from '../../../lab/sims/types.js';
import { labDescribe } from '../shared/netns.js';

const fixtureDir = fileURLToPath(
  new URL('../../../fixtures/devices/hikvision-ds-2cd2385g1-i', import.meta.url),
);
const running: RunningSim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function sim(ip: string, mac: string, replyTo: string, log: string[]) {
  running.push(
    await start({
      fixtureDir,
      spec: { reply: 'sadp/probe-match.xml', replyTo },
      ip,
      iface: 'lo',
      mac,
      log: (l) => log.push(l),
    }),
  );
}

function valuesOf(emitted: ObservationInput[], host: string, key: string): unknown[] {
  return emitted.filter((o) => o.host === host && o.key === key).map((o) => o.value);
}

const fast = { timeout: 300, retries: 2, gap: 50 };

labDescribe('sadp probe in a private namespace', import.meta.url, (net) => {
  it('hears a camera that answers to the multicast group, and only ever sends inquiry', async () => {
    const n = net();
    const ip = n.addHost(64);
    const log: string[] = [];
    await sim(ip, '58:50:ed:1f:e3:85', 'group', log);
    const run = fakeContext(sadpProbe, {
      targets: [`${n.prefix}.0/24`],
      interfaces: [n.iface],
      config: fast,
    });
    await sadpProbe.run(run.ctx);

    expect(run.refused).toEqual([]);
    expect(valuesOf(run.emitted, ip, 'sadp.DeviceDescription')).toEqual(['DS-2CD2385G1-I']);
    expect(valuesOf(run.emitted, ip, 'sadp.DeviceSN')).toEqual(['DS-2CD2385G1-I20200414AAWRE33842150']);
    expect(valuesOf(run.emitted, ip, 'sadp.HCPlatformEnable')).toEqual(['flase']);
    expect(valuesOf(run.emitted, ip, 'sadp.IPv4Address')).toEqual([ip]);
    expect(valuesOf(run.emitted, ip, 'mac.address')).toEqual(['58:50:ed:1f:e3:85']);
    expect(valuesOf(run.emitted, ip, 'sadp.Uuid')).toEqual([]);
    expect(run.emitted.every((o) => o.iface === 'lo')).toBe(true);
    expect(log.filter((l) => l.includes('answered')).length).toBeGreaterThanOrEqual(1);
    expect(log.filter((l) => l.includes('REFUSED'))).toEqual([]);
  });

  it('hears a camera that answers by unicast, with the group listener off', async () => {
    const n = net();
    const ip = n.addHost(65);
    await sim(ip, '58:50:ed:1f:e3:86', 'unicast', []);
    const run = fakeContext(sadpProbe, {
      targets: [`${n.prefix}.0/24`],
      interfaces: [n.iface],
      config: { ...fast, listenGroup: false },
    });
    await sadpProbe.run(run.ctx);
    expect(valuesOf(run.emitted, ip, 'mac.address')).toEqual(['58:50:ed:1f:e3:86']);
  });

  it('misses a group-only camera when the group listener is off (the listener is what hears it)', async () => {
    const n = net();
    const ip = n.addHost(66);
    await sim(ip, '58:50:ed:1f:e3:87', 'group', []);
    const run = fakeContext(sadpProbe, {
      targets: [`${n.prefix}.0/24`],
      interfaces: [n.iface],
      config: { ...fast, listenGroup: false },
    });
    await sadpProbe.run(run.ctx);
    expect(run.emitted.filter((o) => o.host === ip)).toEqual([]);
  });
});
