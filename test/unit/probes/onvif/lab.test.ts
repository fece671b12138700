/**
 * The onvif probe against the ONVIF simulator answering with the real Hikvision, Dahua and
 * Axis ProbeMatch captures, inside a private network namespace (shared/netns.ts).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { onvifProbe } from '../../../../src/agent/probes/onvif/index.js';
import type { ObservationInput } from '../../../../src/agent/probes/shared/types.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { start } from '../../../lab/sims/onvif.js';
import type { RunningSim } from '../../../lab/sims/types.js';
import { labDescribe } from '../shared/netns.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/devices/', import.meta.url));
const running: RunningSim[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function sim(
  ip: string,
  device: string,
  mac: string,
  spec: Record<string, unknown> = {},
  log: string[] = [],
) {
  running.push(
    await start({
      fixtureDir: `${fixtures}${device}`,
      spec: { probeMatch: 'onvif/probe-match.xml', ...spec },
      ip,
      iface: 'lo',
      mac,
      log: (line) => log.push(line),
    }),
  );
}

const fast = { listen: 400, retries: 2, gap: 50, deviceService: false };

function valuesOf(emitted: ObservationInput[], host: string, key: string): unknown[] {
  return emitted.filter((o) => o.host === host && o.key === key).map((o) => o.value);
}

labDescribe('onvif probe in a private namespace', import.meta.url, (net) => {
  it('finds Hikvision, Dahua and Axis cameras by multicast and decodes their scopes', async () => {
    const n = net();
    const [hik, dahua, axis] = [n.addHost(10), n.addHost(11), n.addHost(12)];
    await sim(hik, 'hikvision-ds-2cd3955fwd-iws', 'b4:a3:82:0f:d9:2d');
    await sim(dahua, 'dahua-dh-ipc-hdw1230t2', '3c:ef:8c:11:22:33');
    await sim(axis, 'axis-m2036-le', 'ac:cc:8e:44:55:66');
    const run = fakeContext(onvifProbe, {
      targets: [`${n.prefix}.2-${n.prefix}.30`],
      interfaces: [n.iface],
      config: { ...fast, unicast: false },
    });
    await onvifProbe.run(run.ctx);

    expect(run.refused).toEqual([]);
    expect(valuesOf(run.emitted, hik, 'onvif.scope.name')).toEqual(['HIKVISION DS-2CD3955FWD-IWS']);
    expect(valuesOf(run.emitted, hik, 'onvif.scope.hardware')).toEqual(['DS-2CD3955FWD-IWS']);
    expect(valuesOf(run.emitted, hik, 'onvif.scope.location')).toEqual(['city/hangzhou']);
    expect(valuesOf(run.emitted, hik, 'mac.address')).toEqual(['b4:a3:82:0f:d9:2d']);
    expect(valuesOf(run.emitted, hik, 'onvif.endpoint')).toEqual(['18ec6401-3aa0-11b5-83f6-b4a3820fd92d']);
    expect(valuesOf(run.emitted, dahua, 'onvif.scope.name')).toEqual(['Dahua']);
    expect(valuesOf(run.emitted, dahua, 'onvif.endpoint')).toEqual(['74f7e627-c54f-49fb-84ed-6de9b7f588a5']);
    expect(valuesOf(run.emitted, dahua, 'mac.address')).toEqual([]); // random UUID: no MAC inside
    expect(valuesOf(run.emitted, axis, 'onvif.scope.hardware')).toEqual(['M2036-LE']);
    expect(valuesOf(run.emitted, axis, 'onvif.xaddr')).toContain(`https://${axis}/onvif/device_service`);
    // Three Probe rounds × two types reach each camera, yet each fact is reported once.
    expect(valuesOf(run.emitted, hik, 'onvif.types')).toEqual(['dn:NetworkVideoTransmitter tds:Device']);
    expect(run.emitted.every((o) => o.iface === 'lo')).toBe(true);
  });

  it('finds a camera by unicast alone when no interface is in scope for multicast', async () => {
    const n = net();
    const hik = n.addHost(20);
    await sim(hik, 'hikvision-ds-2cd2385g1-i', '58:50:ed:1f:e3:85');
    const run = fakeContext(onvifProbe, {
      targets: [`${n.prefix}.18-${n.prefix}.22`],
      interfaces: [],
      config: fast,
    });
    await onvifProbe.run(run.ctx);
    expect(valuesOf(run.emitted, hik, 'onvif.scope.mac')).toEqual(['58:50:ed:1f:e3:85']);
    expect(valuesOf(run.emitted, hik, 'mac.address')).toEqual(['58:50:ed:1f:e3:85']);
    expect(run.packets).toBeGreaterThanOrEqual(10); // 5 hosts × 2 probe types, each rate-capped
  });

  it('drops answers from hosts outside the scope', async () => {
    const n = net();
    const inside = n.addHost(30);
    const outside = n.addHost(200);
    await sim(inside, 'dahua-dh-ipc-hdw1230t2', '3c:ef:8c:11:22:34');
    await sim(outside, 'hikvision-ds-2cd3955fwd-iws', 'b4:a3:82:0f:d9:2e');
    const run = fakeContext(onvifProbe, {
      targets: [`${n.prefix}.25-${n.prefix}.35`],
      interfaces: [n.iface],
      config: fast,
    });
    await onvifProbe.run(run.ctx);
    expect(valuesOf(run.emitted, inside, 'onvif.scope.name')).toEqual(['Dahua']);
    expect(run.emitted.filter((o) => o.host === outside)).toEqual([]);
    expect(run.refused).toEqual([]);
  });

  describe('device service', () => {
    const nvr = 'dahua-nvr4108hs-8p-4ks2';
    const service = {
      deviceInformation: 'onvif/device-information.xml',
      clockOffset: 3600,
      tz: 'CST-8:00:00',
    };
    const creds = { username: 'admin', password: 'lab-only-secret' };
    const withService = { listen: 400, retries: 1, gap: 50, unicast: false };

    it('reads the device clock without credentials and never asks for device information', async () => {
      const n = net();
      const ip = n.addHost(40);
      const log: string[] = [];
      await sim(ip, nvr, '3c:ef:8c:61:01:c0', service, log);
      const run = fakeContext(onvifProbe, {
        targets: [`${n.prefix}.40`],
        interfaces: [n.iface],
        config: withService,
      });
      await onvifProbe.run(run.ctx);
      const offset = valuesOf(run.emitted, ip, 'onvif.clock.offset')[0] as number;
      expect(Math.abs(offset - 3600)).toBeLessThanOrEqual(1);
      expect(valuesOf(run.emitted, ip, 'onvif.clock.tz')).toEqual(['CST-8:00:00']);
      expect(run.emitted.find((o) => o.key === 'onvif.clock.tz')?.port).toBe(8899);
      expect(run.emitted.filter((o) => o.key.startsWith('onvif.device.'))).toEqual([]);
      expect(log.filter((l) => l.includes('GetDeviceInformation'))).toEqual([]);
    });

    it('logs in with a WS-UsernameToken dated in the device clock (an hour ahead)', async () => {
      const n = net();
      const ip = n.addHost(41);
      await sim(ip, nvr, '3c:ef:8c:61:01:c1', service);
      const run = fakeContext(onvifProbe, {
        targets: [`${n.prefix}.41`],
        interfaces: [n.iface],
        config: withService,
        credentials: () => creds,
      });
      await onvifProbe.run(run.ctx);
      expect(valuesOf(run.emitted, ip, 'onvif.device.model')).toEqual(['DH-NVR4108HS-8P-4KS2']);
      expect(valuesOf(run.emitted, ip, 'onvif.device.serial')).toEqual(['2M00D2APAZTL62J']);
      expect(valuesOf(run.emitted, ip, 'onvif.device.manufacturer')).toEqual(['Dahua']);
    });

    it('answers an HTTP Digest challenge when the device asks for one', async () => {
      const n = net();
      const ip = n.addHost(42);
      await sim(ip, nvr, '3c:ef:8c:61:01:c2', { ...service, digestRealm: 'Login to 2M00D2APAZTL62J' });
      const run = fakeContext(onvifProbe, {
        targets: [`${n.prefix}.42`],
        interfaces: [n.iface],
        config: withService,
        credentials: () => creds,
      });
      await onvifProbe.run(run.ctx);
      expect(valuesOf(run.emitted, ip, 'onvif.device.firmware')).toEqual([
        '4.001.0000000.3.R, Build Date 2020-08-24',
      ]);
    });

    it('tries a wrong password once and never again in the run', async () => {
      const n = net();
      const ip = n.addHost(43);
      const log: string[] = [];
      await sim(ip, nvr, '3c:ef:8c:61:01:c3', service, log);
      const run = fakeContext(onvifProbe, {
        targets: [`${n.prefix}.43`],
        interfaces: [n.iface],
        config: { ...withService, retries: 3 },
        credentials: () => ({ username: 'admin', password: 'wrong' }),
      });
      await onvifProbe.run(run.ctx);
      expect(run.emitted.filter((o) => o.key.startsWith('onvif.device.'))).toEqual([]);
      expect(log.filter((l) => l.includes('GetDeviceInformation'))).toEqual([
        'onvif device service: GetDeviceInformation refused',
      ]);
    });
  });
});
