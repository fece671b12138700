/**
 * The dhip probe against the DHIP simulator answering with real Dahua / Dahua-OEM replies,
 * inside a private network namespace (shared/netns.ts).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { dhipProbe } from '../../../../src/agent/probes/dhip/index.js';
import type { ObservationInput } from '../../../../src/agent/probes/shared/types.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { start } from '../../../lab/sims/dhip.js';
import type { RunningSim } from '../../../lab/sims/types.js';
import { labDescribe } from '../shared/netns.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/devices/', import.meta.url));
const running: RunningSim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function sim(ip: string, device: string, mac: string, spec: Record<string, unknown> = {}) {
  running.push(
    await start({
      fixtureDir: `${fixtures}${device}`,
      spec: { reply: 'dhip/device-info.json', ...spec },
      ip,
      iface: 'lo',
      mac,
      log: () => undefined,
    }),
  );
}

function valuesOf(emitted: ObservationInput[], host: string, key: string): unknown[] {
  return emitted.filter((o) => o.host === host && o.key === key).map((o) => o.value);
}

const fast = { timeout: 300, retries: 2, gap: 50 };

labDescribe('dhip probe in a private namespace', import.meta.url, (net) => {
  it('finds a Dahua NVR and a "Private" OEM camera by multicast', async () => {
    const n = net();
    const [nvr, oem] = [n.addHost(108), n.addHost(17)];
    await sim(nvr, 'dahua-nvr4108hs-8p-4ks2', '3c:ef:8c:61:01:c0');
    await sim(oem, 'dahua-ipc-hdw1431t1-s4', '08:ed:ed:87:42:7a', { trailer: '\n\0' });
    const run = fakeContext(dhipProbe, {
      targets: [`${n.prefix}.0/24`],
      interfaces: [n.iface],
      config: { ...fast, unicast: false, broadcast: false },
    });
    await dhipProbe.run(run.ctx);

    expect(run.refused).toEqual([]);
    expect(valuesOf(run.emitted, nvr, 'dhip.SerialNo')).toEqual(['2M00D2APAZTL62J']);
    expect(valuesOf(run.emitted, nvr, 'dhip.DeviceClass')).toEqual(['NVR']);
    expect(valuesOf(run.emitted, nvr, 'dhip.IPv4Address.IPAddress')).toEqual([nvr]);
    expect(valuesOf(run.emitted, nvr, 'mac.address')).toEqual(['3c:ef:8c:61:01:c0']);
    expect(valuesOf(run.emitted, oem, 'dhip.Vendor')).toEqual(['Private']);
    expect(valuesOf(run.emitted, oem, 'dhip.DeviceType')).toEqual(['IPC-HDW1431T1-S4']);
    // The device's own (stale) IP config is reported as sent; the host is the UDP source.
    expect(valuesOf(run.emitted, oem, 'dhip.IPv4Address.IPAddress')).toEqual(['192.168.124.17']);
    expect(valuesOf(run.emitted, oem, 'dhip.mac')).toEqual(['08:ed:ed:87:42:7a']);
    expect(run.emitted.every((o) => o.iface === 'lo')).toBe(true);
  });

  it('finds a device by unicast alone, and one that answers to the group', async () => {
    const n = net();
    const [uni, grp] = [n.addHost(30), n.addHost(31)];
    await sim(uni, 'dahua-nvr4108hs-8p-4ks2', '3c:ef:8c:61:01:c1');
    await sim(grp, 'dahua-ipc-hdw1431t1-s4', '08:ed:ed:87:42:7b', { replyTo: 'group' });
    // No interface in scope: no multicast, no broadcast; the group listener has nothing to join.
    const unicastOnly = fakeContext(dhipProbe, { targets: [`${n.prefix}.30`], interfaces: [], config: fast });
    await dhipProbe.run(unicastOnly.ctx);
    expect(valuesOf(unicastOnly.emitted, uni, 'mac.address')).toEqual(['3c:ef:8c:61:01:c1']);

    const withGroup = fakeContext(dhipProbe, {
      targets: [`${n.prefix}.0/24`],
      interfaces: [n.iface],
      config: { ...fast, unicast: false, broadcast: false },
    });
    await dhipProbe.run(withGroup.ctx);
    expect(valuesOf(withGroup.emitted, grp, 'mac.address')).toEqual(['08:ed:ed:87:42:7b']);
  });

  it('unicasts to hosts on a connected subnet only when unicastOnLink is set', async () => {
    const n = net();
    const ip = n.addHost(50);
    // Deaf to the group and to broadcast: only a unicast search can reach it.
    await sim(ip, 'dahua-nvr4108hs-8p-4ks2', '3c:ef:8c:61:01:c3', { joinGroup: false });
    const config = { ...fast, unicast: true, broadcast: false, listenGroup: false };
    const onLinkOff = fakeContext(dhipProbe, { targets: [ip], interfaces: [n.iface], config });
    await dhipProbe.run(onLinkOff.ctx);
    expect(onLinkOff.emitted.filter((o) => o.host === ip)).toEqual([]);
    const onLinkOn = fakeContext(dhipProbe, {
      targets: [ip],
      interfaces: [n.iface],
      config: { ...config, unicastOnLink: true },
    });
    await dhipProbe.run(onLinkOn.ctx);
    expect(valuesOf(onLinkOn.emitted, ip, 'mac.address')).toEqual(['3c:ef:8c:61:01:c3']);
  });

  it('reaches devices by directed broadcast on the in-scope interface', async () => {
    const n = net();
    const ip = n.addHost(40);
    // Not joined to the group, so only the broadcast can reach it.
    await sim(ip, 'dahua-nvr4108hs-8p-4ks2', '3c:ef:8c:61:01:c2', { joinGroup: false });
    const config = { ...fast, unicast: false, listenGroup: false };
    const withoutBroadcast = fakeContext(dhipProbe, {
      targets: [`${n.prefix}.0/24`],
      interfaces: [n.iface],
      config: { ...config, broadcast: false },
    });
    await dhipProbe.run(withoutBroadcast.ctx);
    expect(withoutBroadcast.emitted.filter((o) => o.host === ip)).toEqual([]);
    const run = fakeContext(dhipProbe, { targets: [`${n.prefix}.0/24`], interfaces: [n.iface], config });
    await dhipProbe.run(run.ctx);
    expect(valuesOf(run.emitted, ip, 'dhip.DeviceType')).toEqual(['DH-NVR4108HS-8P-4KS2']);
  });
});
