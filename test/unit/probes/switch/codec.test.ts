import { describe, expect, it } from 'vitest';
import {
  decodeArp,
  decodeFdb,
  decodeLldp,
  decodeSwitch,
  indexUnder,
  locate,
  macFromValue,
  type Row,
  type Tables,
  textFrom,
} from '../../../../src/agent/probes/switch/codec.js';

const mac = (text: string) => Buffer.from(text.split(':').map((h) => Number.parseInt(h, 16)));
const macIndex = (text: string) => text.split(':').map((h) => Number.parseInt(h, 16));
const row = (index: number[], value: Row['value']): Row => ({ index, value });

// Shapes follow a recorded Aruba 8325 walk (LibreNMS tests/snmpsim/arubaos-cx.snmprec): ports
// named 1/1/N with ifIndex N, an SVI "vlan1600", LLDP timeMark 5 and local port = ifIndex.
const CAMERA = '58:50:ed:1f:e3:85';
const OTHER = '44:19:b6:00:00:07';
const tables: Tables = {
  ifName: [row([7], Buffer.from('1/1/7')), row([8], Buffer.from('1/1/8')), row([49], Buffer.from('1/1/49'))],
  ifAlias: [row([7], Buffer.from('cam lobby\x1b[31m'))],
  dot1dBasePort: [row([7], 7), row([8], 8), row([49], 49)],
  dot1qTpFdbPort: [
    row([79, ...macIndex(CAMERA)], 7),
    row([79, ...macIndex(OTHER)], 8),
    row([1, ...macIndex('00:11:22:33:44:55')], 49),
    row([1, ...macIndex('b8:d4:e7:40:e0:00')], 0),
  ],
  dot1qTpFdbStatus: [row([1, ...macIndex('b8:d4:e7:40:e0:00')], 4)],
  ipNetToPhysical: [
    row([16778816, 1, 4, 10, 79, 0, 64], mac(CAMERA)),
    row([16778816, 2, 16, 254, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], mac(OTHER)),
  ],
  ipNetToMedia: [row([16778816, 10, 79, 0, 65], mac(OTHER))],
  lldpRemChassisIdSubtype: [row([5, 7, 1], 4)],
  lldpRemChassisId: [row([5, 7, 1], mac(CAMERA))],
  lldpRemSysName: [row([5, 7, 1], Buffer.from('DS-2CD2143G2-I'))],
  lldpRemSysDesc: [row([5, 7, 1], Buffer.from('DS-2CD2143G2-I'))],
  lldpRemManAddr: [row([5, 7, 1, 1, 4, 10, 79, 0, 64], 2)],
};

describe('switch codec', () => {
  it('reads IPv4 neighbours from both ARP tables and ignores IPv6 rows', () => {
    expect(decodeArp(tables)).toEqual([
      { ip: '10.79.0.64', mac: CAMERA },
      { ip: '10.79.0.65', mac: OTHER },
    ]);
  });

  it('names the access port and VLAN of each learned MAC, dropping self and port-0 entries', () => {
    const fdb = decodeFdb(tables);
    expect(fdb.find((e) => e.mac === CAMERA)).toEqual({
      mac: CAMERA,
      bridgePort: 7,
      vlan: 79,
      port: '1/1/7',
      portAlias: 'cam lobby [31m',
    });
    expect(fdb.map((e) => e.mac)).not.toContain('b8:d4:e7:40:e0:00');
  });

  it('falls back to ifDescr, then to the bridge port number, when ifName is missing', () => {
    const fdb = decodeFdb({
      dot1dTpFdbPort: [row(macIndex(CAMERA), 3), row(macIndex(OTHER), 4)],
      dot1dBasePort: [row([3], 103)],
      ifDescr: [row([103], Buffer.from('GigabitEthernet0/3'))],
    });
    expect(fdb.map((e) => [e.port, e.vlan])).toEqual([
      ['GigabitEthernet0/3', null],
      ['bridge port 4', null],
    ]);
  });

  it('ties an LLDP neighbour to its MAC (chassis subtype macAddress) and management address', () => {
    const [n] = decodeLldp(tables);
    expect(n).toMatchObject({ mac: CAMERA, ip: '10.79.0.64', sysDesc: 'DS-2CD2143G2-I', localPort: '1/1/7' });
  });

  it('reads a MAC written as text, as recorded walks carry it', () => {
    expect(macFromValue(Buffer.from('00:50:d7:12:68:68'))).toBe('00:50:d7:12:68:68');
    expect(macFromValue(Buffer.from([1, 2, 3]))).toBeNull();
    expect(macFromValue(Buffer.alloc(4096, 0x41))).toBeNull();
  });

  it('drops hostile rows: octets above 255, short indexes, wrong value types', () => {
    const bad: Tables = {
      ipNetToMedia: [
        row([1, 10, 0, 0, 999], mac(CAMERA)),
        row([1, 10, 0], mac(CAMERA)),
        row([1, 10, 0, 0, 1], 5),
      ],
      dot1qTpFdbPort: [row([1, 1, 2, 3], 5), row([1, ...macIndex(CAMERA)], Buffer.from('x'))],
      dot1dTpFdbPort: [row([300, 1, 2, 3, 4, 5], 5)],
      lldpRemManAddr: [row([5, 7, 1, 1, 4, 10, 0], 1)],
    };
    const r = decodeSwitch(bad);
    expect(r.arp).toEqual([]);
    expect(r.fdb).toEqual([]);
    expect(r.lldp).toEqual([]);
    expect(indexUnder('1.3.6.1.2.1.4.22.1.2.1.a', '1.3.6.1.2.1.4.22.1.2')).toBeNull();
    expect(indexUnder('1.3.6.1.2.1.4.22.1.20.1', '1.3.6.1.2.1.4.22.1.2')).toBeNull();
  });

  it('caps and cleans oversized or control-laden text', () => {
    expect(textFrom(Buffer.from('a'.repeat(10_000)))!.length).toBeLessThanOrEqual(512);
    expect(textFrom(Buffer.from('\x00\x07 \x1b'))).toBeNull();
  });

  it('locates a MAC on the access port, not the uplink a second switch learned it on', () => {
    const access = { address: '10.77.0.5', name: 'edge', reading: decodeSwitch(tables) };
    const core = {
      address: '10.77.0.6',
      name: 'core',
      reading: decodeSwitch({
        ifName: [row([1], Buffer.from('uplink'))],
        dot1dBasePort: [row([1], 1)],
        dot1qTpFdbPort: [79, 79, 79].map((v, i) =>
          row([v, ...macIndex([CAMERA, OTHER, '00:00:5e:00:01:01'][i]!)], 1),
        ),
      }),
    };
    const { located, withoutAddress } = locate([core, access]);
    const cam = located.find((l) => l.mac === CAMERA)!;
    expect(cam.where).toMatchObject({ switch: '10.77.0.5', port: '1/1/7', vlan: 79 });
    expect(cam.ips).toEqual(['10.79.0.64']);
    expect(cam.lldp?.sysDesc).toBe('DS-2CD2143G2-I');
    // 00:11:22:33:44:55 and 00:00:5e:00:01:01 sit in forwarding tables with no address anywhere.
    expect(withoutAddress).toBe(2);
  });
});
