import { describe, expect, it } from 'vitest';
import { compareOids, inSubtree, keyForOid, varbindText } from '../../../../src/agent/probes/snmp/codec.js';

describe('snmp codec', () => {
  it('names the system group and keys everything else by dotted OID', () => {
    expect(keyForOid('1.3.6.1.2.1.1.1.0')).toBe('snmp.sysDescr');
    expect(keyForOid('.1.3.6.1.2.1.1.2.0')).toBe('snmp.sysObjectID');
    expect(keyForOid('1.3.6.1.4.1.50001.1.3.0')).toBe('snmp.oid.1.3.6.1.4.1.50001.1.3.0');
  });

  it('compares OIDs numerically, not as text, and bounds subtrees exactly', () => {
    expect(compareOids('1.3.6.1.4.1.9', '1.3.6.1.4.1.10')).toBeLessThan(0);
    expect(compareOids('1.3.6.1.4.1.10.1', '1.3.6.1.4.1.10')).toBeGreaterThan(0);
    expect(inSubtree('1.3.6.1.4.1.50001.1.3.0', '1.3.6.1.4.1.50001')).toBe(true);
    expect(inSubtree('1.3.6.1.4.1.500010.1', '1.3.6.1.4.1.50001')).toBe(false);
  });

  it('turns values into text: strings, binary MACs as hex, OIDs, numbers; exceptions to null', () => {
    expect(varbindText(4, Buffer.from('DH-NVR4108HS-8P-4KS2\0\0'))).toBe('DH-NVR4108HS-8P-4KS2');
    expect(varbindText(4, Buffer.from([0x58, 0x50, 0xed, 0x1f, 0xe3, 0x85]))).toBe('0x5850ed1fe385');
    expect(varbindText(4, Buffer.from([0xc9, 0xe3, 0xcf, 0xf1]))).toBe('ÉãÏñ'); // Latin-1 fallback
    expect(varbindText(6, '.1.3.6.1.4.1.1004849.3.2.10')).toBe('1.3.6.1.4.1.1004849.3.2.10');
    expect(varbindText(64, '10.0.0.5')).toBe('10.0.0.5');
    expect(varbindText(2, 8000)).toBe('8000');
    expect(varbindText(70, Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00]))).toBe('4294967296');
    for (const t of [5, 128, 129, 130]) expect(varbindText(t, null)).toBeNull();
    expect(varbindText(4, Buffer.alloc(0))).toBeNull();
  });

  it('caps oversized strings', () => {
    expect(varbindText(4, Buffer.alloc(1 << 20, 0x41))!.length).toBeLessThanOrEqual(4096);
    expect(varbindText(4, Buffer.alloc(1 << 20, 0x01))!.length).toBeLessThanOrEqual(4096);
  });
});
