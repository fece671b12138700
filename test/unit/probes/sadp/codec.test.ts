import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildInquiry, isDeviceMessage, parseSadp } from '../../../../src/agent/probes/sadp/codec.js';
import { cpuMillis } from '../../../helpers/cpu-time.js';

const capture = readFileSync(
  new URL('../../../fixtures/devices/hikvision-ds-2cd2385g1-i/sadp/probe-match.xml', import.meta.url),
  'utf8',
)
  .replaceAll('{{uuid}}', 'e8ecfe09-90e4-44c0-842b-703f46b58c81')
  .replaceAll('{{macDash}}', '58-50-ed-1f-e3-85')
  .replaceAll('{{ip}}', '192.168.124.40');

describe('SADP inquiry', () => {
  it('is exactly the read-only inquiry of §2.2 and reads back as a request, not a device message', () => {
    const xml = buildInquiry('1F9B2A6C-4E1D-4F5A-9C3E-7A2B5D8E0C11');
    expect(xml).toBe(
      '<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>1F9B2A6C-4E1D-4F5A-9C3E-7A2B5D8E0C11</Uuid><Types>inquiry</Types></Probe>',
    );
    const back = parseSadp(xml)!;
    expect(back.root).toBe('Probe');
    expect(isDeviceMessage(back)).toBe(false);
  });

  it('refuses a Uuid that would inject markup', () => {
    expect(() => buildInquiry('x</Uuid><Types>update')).toThrow();
  });
});

describe('SADP reply (real DS-2CD2385G1-I capture, §2.3)', () => {
  it('keeps every element as sent, typos included', () => {
    const msg = parseSadp(capture)!;
    expect(msg.root).toBe('ProbeMatch');
    expect(isDeviceMessage(msg)).toBe(true);
    expect(msg.fields.get('DeviceDescription')).toBe('DS-2CD2385G1-I');
    expect(msg.fields.get('DeviceType')).toBe('141945');
    expect(msg.fields.get('SoftwareVersion')).toBe('V5.6.2build 190701');
    expect(msg.fields.get('DeviceLock')).toBe('flase');
    expect(msg.fields.get('MAC')).toBe('58-50-ed-1f-e3-85');
    expect(msg.fields.get('SupportMailBox')).toBe('true');
    expect(msg.fields.size).toBeGreaterThan(30);
  });

  it('survives CRLF line ends, an un-escaped & and unknown elements', () => {
    const odd = capture
      .replaceAll('\n', '\r\n')
      .replace(
        '<DeviceDescription>DS-2CD2385G1-I</DeviceDescription>',
        '<DeviceDescription>Cam & Co <b>x</b></DeviceDescription>',
      )
      .replace('</ProbeMatch>', '<OEMInfo>N/A</OEMInfo><FutureThing a="1">42</FutureThing></ProbeMatch>');
    const msg = parseSadp(odd)!;
    expect(msg.fields.get('DeviceSN')).toBe('DS-2CD2385G1-I20200414AAWRE33842150');
    expect(msg.fields.get('OEMInfo')).toBe('N/A');
    expect(msg.fields.get('FutureThing')).toBe('42');
    expect(msg.fields.get('b')).toBe('x');
  });

  it('reads a Hello boot announcement as a device message', () => {
    const hello =
      '<?xml version="1.0"?><Hello><Types>hello</Types><DeviceSN>DS-KH6210-L0120180613WR1</DeviceSN></Hello>';
    const msg = parseSadp(hello)!;
    expect(isDeviceMessage(msg)).toBe(true);
    expect(msg.fields.get('DeviceSN')).toBe('DS-KH6210-L0120180613WR1');
  });
});

describe('SADP hostile input', () => {
  it('returns what it can from a truncated datagram', () => {
    const cut = capture.slice(0, capture.indexOf('<SoftwareVersion>') + 25);
    const msg = parseSadp(cut)!;
    expect(msg.fields.get('DeviceSN')).toBe('DS-2CD2385G1-I20200414AAWRE33842150');
    expect(msg.fields.has('SoftwareVersion')).toBe(false);
  });

  it('returns null for garbage and empty input', () => {
    expect(parseSadp('')).toBeNull();
    expect(parseSadp(Buffer.from([0, 1, 2, 255, 254]))).toBeNull();
    expect(parseSadp('just text < > &')).toBeNull();
  });

  it('never expands DOCTYPE entities', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]><ProbeMatch><DeviceDescription>&b;&x;</DeviceDescription></ProbeMatch>`;
    expect(parseSadp(bomb)!.fields.get('DeviceDescription')).toBe('&b;&x;');
  });

  it('caps fields, their size and the input, fast, on a 10 MB datagram-sized flood', () => {
    const big = `<ProbeMatch>${'<F>'.concat('x'.repeat(5000), '</F>')}${Array.from({ length: 2000 }, (_, i) => `<E${i}>v</E${i}>`).join('')}${'y'.repeat(10_000_000)}</ProbeMatch>`;
    let fields: ReadonlyMap<string, string> = new Map();
    const cpu = cpuMillis(() => {
      fields = parseSadp(big)!.fields;
    });
    expect(cpu).toBeLessThan(2000);
    expect(fields.get('F')!.length).toBe(1024);
    expect(fields.size).toBeLessThanOrEqual(128);
  });

  it('stays linear on runs of unclosed tags (no regex blow-up)', () => {
    const evil = `<ProbeMatch>${'<a '.repeat(20_000)}`;
    const cpu = cpuMillis(() => {
      parseSadp(evil);
    });
    expect(cpu).toBeLessThan(2000);
  });

  it('decodes UTF-16 with a BOM and keeps bad UTF-8 as replacement characters', () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<ProbeMatch><DeviceDescription>ÄB</DeviceDescription></ProbeMatch>', 'utf16le'),
    ]);
    expect(parseSadp(utf16)!.fields.get('DeviceDescription')).toBe('ÄB');
    const bad = Buffer.concat([
      Buffer.from('<ProbeMatch><X>a'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('</X></ProbeMatch>'),
    ]);
    expect(parseSadp(bad)!.fields.get('X')).toBe('a\ufffd(');
  });
});
