import { encode as encodeDns } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { mdnsAnnouncementDecoder } from '../../../src/agent/probes/mdns/passive.js';
import { wsdHelloDecoder } from '../../../src/agent/probes/onvif/passive.js';
import {
  HELLO_ENDPOINT,
  helloDahua,
  hikvisionMdns,
  MDNS_INSTANCE,
} from '../../daemon/fixtures/announcements.js';
import { cpuMillis } from '../../helpers/cpu-time.js';

const hello = helloDahua('10.77.0.45');
const valuesOf = (obs: { key: string; value: unknown }[], key: string) =>
  obs.filter((o) => o.key === key).map((o) => o.value);

describe('WS-Discovery Hello decoder', () => {
  it('turns a camera Hello into the keys a ProbeMatch gives, about the sender', () => {
    const obs = wsdHelloDecoder.decode(Buffer.from(hello), '10.77.0.45');
    expect(new Set(obs.map((o) => o.host))).toEqual(new Set(['10.77.0.45']));
    expect(valuesOf(obs, 'onvif.endpoint')).toEqual([HELLO_ENDPOINT]);
    expect(valuesOf(obs, 'onvif.types')).toEqual(['dn:NetworkVideoTransmitter tds:Device']);
    expect(valuesOf(obs, 'onvif.xaddr')).toEqual(['http://10.77.0.45/onvif/device_service']);
    expect(valuesOf(obs, 'onvif.scope.hardware')).toEqual(['IPC-HFW2228M-I1-V2']);
    expect(valuesOf(obs, 'onvif.scope.name')).toEqual(['Dahua']);
  });

  it('yields what the active probe yields for the same match: unknown scopes and the stated MAC too', () => {
    const extra = hello.replace(
      'onvif://www.onvif.org/name/Dahua',
      'onvif://www.onvif.org/name/Dahua onvif://www.onvif.org/MAC/3c:ef:8c:61:01:c0 http:123',
    );
    const obs = wsdHelloDecoder.decode(Buffer.from(extra), '10.77.0.45');
    expect(valuesOf(obs, 'onvif.scope.other')).toEqual(['http:123']);
    expect(valuesOf(obs, 'mac.address')).toEqual(['3c:ef:8c:61:01:c0']);
  });

  it('ignores Bye, probes, Windows/Samba hosts (wsdd) and garbage', () => {
    const bye = hello.replace('/discovery/Hello', '/discovery/Bye').replaceAll('d:Hello>', 'd:Bye>');
    const pc = hello
      .replace('dn:NetworkVideoTransmitter tds:Device', 'wsdp:Device pub:Computer')
      .replace(/<d:Scopes>.*<\/d:Scopes>/, '');
    const probe = hello.replace('/discovery/Hello', '/discovery/Probe').replaceAll('d:Hello>', 'd:Probe>');
    for (const text of [bye, pc, probe, '', 'not xml', '<a><b>', '\u0000\u00ff'.repeat(1000)]) {
      expect(wsdHelloDecoder.decode(Buffer.from(text, 'latin1'), '10.77.0.45')).toEqual([]);
    }
  });

  it('survives hostile XML: entity expansion, truncation, oversize', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>${hello.replace('IPC-HFW2228M-I1-V2', '&c;').replace(/^<\?xml[^>]*>/, '')}`;
    const obs = wsdHelloDecoder.decode(Buffer.from(bomb), '10.77.0.45');
    for (const o of obs) expect(String(o.value)).not.toContain('aaaaaaaaaaaaaaaaaaaa');
    for (let cut = 0; cut < hello.length; cut += 97)
      wsdHelloDecoder.decode(Buffer.from(hello.slice(0, cut)), '10.77.0.45');
    const huge = hello.replace('IPC-HFW2228M-I1-V2', 'X'.repeat(60_000));
    for (const o of wsdHelloDecoder.decode(Buffer.from(huge), '10.77.0.45'))
      expect(String(o.value).length).toBeLessThanOrEqual(1024);
  });
});

describe('mDNS announcement decoder', () => {
  const decoder = mdnsAnnouncementDecoder(['_CGI._tcp', '_psia._tcp']);

  it('reads model and full serial from a Hikvision _CGI._tcp announcement', () => {
    const obs = decoder.decode(hikvisionMdns('10.77.0.64'), '10.77.0.64');
    expect(valuesOf(obs, 'mdns.service')).toEqual(['_CGI._tcp']);
    expect(valuesOf(obs, 'mdns.instance')).toEqual([MDNS_INSTANCE]);
    expect(valuesOf(obs, 'mdns.host')).toEqual(['DS-2CD2722FWD-IZS20170321BBWR733050075.local']);
    expect(valuesOf(obs, 'mdns.txt.path')).toEqual(['/']);
    expect(obs.every((o) => o.host === '10.77.0.64' && o.port === 80)).toBe(true);
  });

  it('ignores queries, unwatched service types and malformed packets', () => {
    const query = encodeDns({ type: 'query', questions: [{ type: 'PTR', name: '_CGI._tcp.local' }] });
    const other = encodeDns({
      type: 'response',
      answers: [{ type: 'PTR', name: '_printer._tcp.local', ttl: 120, data: 'P._printer._tcp.local' }],
    });
    const good = hikvisionMdns('10.77.0.64');
    for (const d of [query, other, Buffer.alloc(0), Buffer.from('garbage'), good.subarray(0, 40)]) {
      expect(decoder.decode(d, '10.77.0.64')).toEqual([]);
    }
  });

  it('a name-compression loop does not hang', () => {
    const loop = Buffer.from([
      0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 1, 0, 2, 0xc0, 12,
    ]);
    const cpu = cpuMillis(() => {
      expect(decoder.decode(loop, '10.77.0.64')).toEqual([]);
    });
    expect(cpu).toBeLessThan(1000);
  });
});
