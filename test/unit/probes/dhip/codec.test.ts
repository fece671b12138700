import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildSearch,
  flattenDeviceInfo,
  frame,
  parseDhip,
  SEARCH_BODY,
} from '../../../../src/agent/probes/dhip/codec.js';
import { cpuMillis } from '../../../helpers/cpu-time.js';

const capture = readFileSync(
  new URL('../../../fixtures/devices/dahua-ipc-hdw1431t1-s4/dhip/device-info.json', import.meta.url),
  'utf8',
)
  .trim()
  .replace('{{mac}}', '08:ed:ed:87:42:7a');

describe('DHIP search', () => {
  it('is the 32-byte header of §3.1 with DHIP written as bytes, then the 73-byte body', () => {
    const b = buildSearch();
    expect(b.length).toBe(32 + 73);
    expect([...b.subarray(0, 8)]).toEqual([0x20, 0, 0, 0, 0x44, 0x48, 0x49, 0x50]);
    expect(b.readUInt32LE(8)).toBe(0);
    expect(b.readUInt32LE(12)).toBe(0);
    expect([...b.subarray(16, 32)]).toEqual([0x49, 0, 0, 0, 0, 0, 0, 0, 0x49, 0, 0, 0, 0, 0, 0, 0]);
    expect(b.subarray(32).toString('utf8')).toBe(SEARCH_BODY);
    expect(SEARCH_BODY.endsWith('}\n')).toBe(true);
  });

  it('reads back as a search (so our own looped-back datagram is recognised)', () => {
    expect(parseDhip(buildSearch())?.method).toBe('DHDiscover.search');
  });
});

describe('DHIP reply (real IPC-HDW1431T1-S4 "Private" capture, §3.1)', () => {
  it('reads method, mac and deviceInfo', () => {
    const msg = parseDhip(frame(`${capture}\n`))!;
    expect(msg.method).toBe('client.notifyDevInfo');
    expect(msg.mac).toBe('08:ed:ed:87:42:7a');
    expect(msg.deviceInfo.SerialNo).toBe('6C01E93PAG69A7D');
  });

  it('flattens nested IPv4Address/IPv6Address one level and skips nulls', () => {
    const flat = Object.fromEntries(flattenDeviceInfo(parseDhip(frame(capture))!.deviceInfo));
    expect(flat.DeviceType).toBe('IPC-HDW1431T1-S4');
    expect(flat.Vendor).toBe('Private');
    expect(flat.HttpPort).toBe('80');
    expect(flat['IPv4Address.IPAddress']).toBe('192.168.124.17');
    expect(flat['IPv4Address.DhcpEnable']).toBe('true');
    expect(flat['IPv6Address.LinkLocalAddress']).toBe('fe80::0aed:edff:fe87:427a/64');
    expect('IPv6Address.DefaultGateway' in flat).toBe(false);
    expect(flat.DeviceID).toBe('');
  });

  it('finds the JSON whatever the header length and trailer (\\n\\0, extra random field)', () => {
    const odd = Buffer.concat([
      Buffer.from([0x28, 0, 0, 0]),
      Buffer.from('DHIP'),
      Buffer.alloc(32),
      Buffer.from(capture.replace('{"mac"', '{"random":"8f1c","mac"')),
      Buffer.from('\n\0'),
    ]);
    expect(parseDhip(odd)?.deviceInfo.Version).toBe('2.800.0000000.13.R');
  });

  it('keeps deeper values and arrays as capped JSON and drops unsafe field names', () => {
    const flat = Object.fromEntries(
      flattenDeviceInfo({ A: { B: { C: 1 } }, L: [1, 2], 'bad name': 'x', 'x.y': 'z', Big: 'v'.repeat(10) }),
    );
    expect(flat['A.B']).toBe('{"C":1}');
    expect(flat.L).toBe('[1,2]');
    expect(Object.keys(flat)).toEqual(['A.B', 'L', 'Big']);
  });
});

describe('DHIP hostile input', () => {
  it('rejects datagrams without the magic, bare JSON, PIHD-packed magic and broken JSON', () => {
    expect(parseDhip(Buffer.from(capture))).toBeNull();
    const pihd = frame(capture);
    pihd.write('PIHD', 4, 'ascii');
    expect(parseDhip(pihd)).toBeNull();
    expect(parseDhip(frame('{"method": "client.notifyDevInfo", "params": {'))).toBeNull();
    expect(parseDhip(frame('[1,2,3]'))).toBeNull();
    expect(parseDhip(Buffer.from('DH'))).toBeNull();
    expect(parseDhip(new Uint8Array(0))).toBeNull();
  });

  it('treats a truncated reply as no reply', () => {
    const full = frame(capture);
    expect(parseDhip(full.subarray(0, full.length - 20))).toBeNull();
  });

  it('caps a 10 MB datagram-sized body instead of parsing it all', () => {
    const huge = frame(`{"params":{"deviceInfo":{"X":"${'a'.repeat(10_000_000)}"}}}`);
    const cpu = cpuMillis(() => {
      expect(parseDhip(huge)).toBeNull(); // cut at 64 KiB: the closing braces are gone
    });
    expect(cpu).toBeLessThan(1000);
  });

  it('caps the number of fields taken from one reply', () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`F${i}`, i]));
    expect(flattenDeviceInfo(many).length).toBe(128);
  });

  it('survives deep nesting and prototype keys', () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    expect(() => parseDhip(frame(`{"params":{"deviceInfo":${deep}}}`))).not.toThrow();
    const proto = parseDhip(frame('{"params":{"deviceInfo":{"__proto__":{"polluted":1},"SerialNo":"x"}}}'))!;
    const flat = flattenDeviceInfo(proto.deviceInfo);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(flat).toContainEqual(['SerialNo', 'x']);
  });

  it('decodes invalid UTF-8 with replacement characters', () => {
    const body = Buffer.concat([
      Buffer.from('{"params":{"deviceInfo":{"Vendor":"a'),
      Buffer.from([0xff]),
      Buffer.from('"}}}'),
    ]);
    const header = frame('');
    header.writeUInt32LE(body.length, 16);
    expect(parseDhip(Buffer.concat([header, body]))!.deviceInfo.Vendor).toBe('a\ufffd');
  });
});
