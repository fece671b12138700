import { describe, expect, it } from 'vitest';
import { decodeTxt, dnsName, splitServiceType } from '../../../../src/agent/probes/mdns/codec.js';

describe('mdns codec', () => {
  it('splits service types and refuses malformed ones', () => {
    expect(splitServiceType('_CGI._tcp')).toEqual({ type: 'CGI', protocol: 'tcp' });
    expect(splitServiceType('_psia._tcp')).toEqual({ type: 'psia', protocol: 'tcp' });
    for (const bad of ['CGI._tcp', '_CGI._sctp', '_a b._tcp', '', `_${'x'.repeat(64)}._tcp`]) {
      expect(splitServiceType(bad)).toBeNull();
    }
  });

  it('decodes TXT strings: lower-case keys, booleans, first key wins, UTF-8 or Latin-1 values', () => {
    const txt = decodeTxt([
      Buffer.from('path=/'),
      Buffer.from('Model=DS-2CD2722FWD-IZS'),
      Buffer.from('model=second'),
      Buffer.from('secure'),
      Buffer.from('name=摄像机'),
      Buffer.from([0x76, 0x3d, 0xe9]),
    ]);
    expect(txt).toEqual([
      ['path', '/'],
      ['model', 'DS-2CD2722FWD-IZS'],
      ['secure', 'true'],
      ['name', '摄像机'],
      ['v', 'é'],
    ]);
  });

  it('drops keys that could not be part of an observation key, and bounds count and size', () => {
    expect(
      decodeTxt([
        Buffer.from('=nokey'),
        Buffer.from('a b=1'),
        Buffer.from([0x01, 0x3d, 0x31]),
        Buffer.from('é=1'),
      ]),
    ).toEqual([]);
    const many = decodeTxt(Array.from({ length: 1000 }, (_, i) => Buffer.from(`k${i}=${'v'.repeat(255)}`)));
    expect(many.length).toBe(32);
    expect(many.every(([, v]) => v.length <= 512)).toBe(true);
    expect(decodeTxt(undefined)).toEqual([]);
    expect(decodeTxt('path=/')).toEqual([]);
    expect(decodeTxt(Buffer.from('path=/'))).toEqual([['path', '/']]);
  });

  it('cleans DNS names and caps them', () => {
    expect(dnsName('DS-2CD2722FWD-IZS20170321BBWR733050075.local.')).toBe(
      'DS-2CD2722FWD-IZS20170321BBWR733050075.local',
    );
    expect(dnsName(undefined)).toBeNull();
    expect(dnsName('.')).toBeNull();
    expect(dnsName('a'.repeat(5000))!.length).toBe(255);
  });
});
