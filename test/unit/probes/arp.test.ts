import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcArp } from '../../../src/agent/probes/arp/codec.js';
import { arpProbe } from '../../../src/agent/probes/arp/index.js';
import { isLocallyAdministered, macFromUuid, normaliseMac } from '../../../src/core/mac.js';
import { ouiOrganisation } from '../../../src/knowledge/identify/derive/oui.js';
import { fakeContext } from '../../helpers/probe-context.js';

// Layout of /proc/net/arp as Linux prints it (fixed-width columns, one header line).
const PROC_ARP = `IP address       HW type     Flags       HW address            Mask     Device
10.77.0.64       0x1         0x2         58:50:ed:1f:e3:85     *        eth0
10.77.0.17       0x1         0x2         08:ed:ed:87:42:7a     *        eth0
10.77.0.99       0x1         0x0         00:00:00:00:00:00     *        eth0
10.77.0.50       0x1         0x2         da:a1:19:00:11:22     *        eth0
192.168.9.9      0x1         0x2         b4:a3:82:0f:d9:2d     *        eth1
garbage line
10.77.0.51       0x1         0x2         not-a-mac             *        eth0
`;

describe('MAC codec', () => {
  it('normalises the spellings devices use and rejects non-addresses', () => {
    for (const s of [
      '58-50-ED-1F-E3-85',
      '5850.ed1f.e385',
      '5850ed1fe385',
      '58:50:ed:1f:e3:85',
      '58:50:ed:1f:e3:85 ',
    ]) {
      expect(normaliseMac(s)).toBe('58:50:ed:1f:e3:85');
    }
    expect(normaliseMac('8:ed:ed:87:42:7a')).toBe('08:ed:ed:87:42:7a');
    for (const s of [
      '',
      '00:00:00:00:00:00',
      'ff:ff:ff:ff:ff:ff',
      '58:50:ed:1f:e3',
      '58:50-ed:1f:e3:85',
      'zz:50:ed:1f:e3:85',
      'x'.repeat(10_000),
    ]) {
      expect(normaliseMac(s)).toBeNull();
    }
  });

  it('reads the MAC from a time-based Hikvision endpoint UUID but not from a random one', () => {
    expect(macFromUuid('urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d')).toBe('b4:a3:82:0f:d9:2d');
    expect(macFromUuid('urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385')).toBe('58:50:ed:1f:e3:85');
    expect(macFromUuid('uuid:74f7e627-c54f-49fb-84ed-6de9b7f588a5')).toBeNull();
  });

  it('parses /proc/net/arp, skipping incomplete and malformed rows', () => {
    expect(parseProcArp(PROC_ARP).map((e) => e.ip)).toEqual([
      '10.77.0.64',
      '10.77.0.17',
      '10.77.0.50',
      '192.168.9.9',
    ]);
    expect(parseProcArp('')).toEqual([]);
  });
});

describe('OUI lookup (oui-data registry)', () => {
  it('names covered vendors from the IEEE registry', () => {
    expect(ouiOrganisation('58:50:ed:1f:e3:85')).toBe('Hangzhou Hikvision Digital Technology Co.,Ltd.');
    expect(ouiOrganisation('08:ed:ed:87:42:7a')).toBe('Zhejiang Dahua Technology Co., Ltd.');
  });

  it('gives nothing for locally administered (randomised) MACs', () => {
    expect(isLocallyAdministered('da:a1:19:00:11:22')).toBe(true);
    expect(ouiOrganisation('da:a1:19:00:11:22')).toBeNull();
  });
});

describe('arp probe', () => {
  it('emits MAC and organisation for in-scope neighbours only, and the MAC alone when randomised', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-arp-'));
    writeFileSync(join(dir, 'arp'), PROC_ARP);
    const run = fakeContext(arpProbe, { targets: ['10.77.0.0/24'], config: { table: join(dir, 'arp') } });
    await arpProbe.run(run.ctx);
    const facts = run.emitted.map((o) => `${o.host} ${o.key} ${o.value}`);
    expect(facts).toEqual([
      '10.77.0.64 mac.address 58:50:ed:1f:e3:85',
      '10.77.0.64 mac.oui.org Hangzhou Hikvision Digital Technology Co.,Ltd.',
      '10.77.0.17 mac.address 08:ed:ed:87:42:7a',
      '10.77.0.17 mac.oui.org Zhejiang Dahua Technology Co., Ltd.',
      '10.77.0.50 mac.address da:a1:19:00:11:22',
    ]);
    expect(run.packets).toBe(0);
  });

  it('treats an unreadable table as no data, not a failure', async () => {
    const run = fakeContext(arpProbe, { targets: ['10.77.0.0/24'], config: { table: '/nonexistent/arp' } });
    await expect(arpProbe.run(run.ctx)).resolves.toBeUndefined();
    expect(run.emitted).toEqual([]);
  });
});
