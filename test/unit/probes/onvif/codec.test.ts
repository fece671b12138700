import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildDeviceRequest,
  buildProbe,
  isOnvifMatch,
  normaliseEndpoint,
  parseDeviceInformation,
  parseDiscovery,
  parseFault,
  parseHelloBye,
  parseScope,
  parseSystemDateAndTime,
  passwordDigest,
} from '../../../../src/agent/probes/onvif/codec.js';
import { serviceUrls } from '../../../../src/agent/probes/onvif/index.js';
import { macFromUuid } from '../../../../src/core/mac.js';
import { cpuMillis } from '../../../helpers/cpu-time.js';

const fixture = (device: string) =>
  readFileSync(new URL(`../../../fixtures/devices/${device}/onvif/probe-match.xml`, import.meta.url), 'utf8')
    .replaceAll('{{ip}}', '192.168.0.218')
    .replaceAll('{{macHex}}', 'b4a3820fd92d')
    .replaceAll('{{mac}}', '58:50:ed:1f:e3:85')
    .replaceAll('{{relatesTo}}', 'uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649')
    .replaceAll('{{messageId}}', 'urn:uuid:11111111-2222-4333-8444-555555555555');

describe('WS-Discovery Probe', () => {
  it('is a 2005/04 Probe with our MessageID and the asked type, which our parser reads back as a probe', () => {
    const xml = buildProbe('uuid:0b6f5a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b', 'dn:NetworkVideoTransmitter');
    expect(xml).toContain('http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe<');
    expect(xml).toContain('<d:Types>dn:NetworkVideoTransmitter</d:Types>');
    expect(xml).toContain('xmlns:dn="http://www.onvif.org/ver10/network/wsdl"');
    const back = parseDiscovery(xml);
    expect(back.kind).toBe('probe');
    expect(back.messageId).toBe('uuid:0b6f5a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b');
  });

  it('sends tds:Device with the device namespace, not the network one (node-onvif bug, §6.1)', () => {
    const xml = buildProbe('uuid:x', 'tds:Device');
    expect(xml).toContain('xmlns:tds="http://www.onvif.org/ver10/device/wsdl"');
    expect(xml).toContain('<d:Types>tds:Device</d:Types>');
  });
});

describe('ProbeMatches from real captures', () => {
  it('reads the Hikvision DS-2CD3955FWD-IWS reply (§1.3)', () => {
    const msg = parseDiscovery(fixture('hikvision-ds-2cd3955fwd-iws'));
    expect(msg.kind).toBe('probe-matches');
    expect(msg.relatesTo).toBe('uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649');
    expect(msg.matches).toHaveLength(1);
    const m = msg.matches[0]!;
    expect(m.endpointId).toBe('18ec6401-3aa0-11b5-83f6-b4a3820fd92d');
    expect(macFromUuid(m.endpointId)).toBe('b4:a3:82:0f:d9:2d');
    expect(m.types).toEqual(['dn:NetworkVideoTransmitter', 'tds:Device']);
    expect(m.xaddrs).toEqual([
      'http://192.168.0.218/onvif/device_service',
      'http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service',
    ]);
    expect(m.metadataVersion).toBe(10);
    const scopes = Object.fromEntries(
      m.scopes.map((s) => [s.category + (s.category === 'type' ? s.value : ''), s.value]),
    );
    expect(scopes.name).toBe('HIKVISION DS-2CD3955FWD-IWS');
    expect(scopes.hardware).toBe('DS-2CD3955FWD-IWS');
    expect(scopes.location).toBe('city/hangzhou');
    expect(scopes.typeptz).toBe('ptz');
  });

  it('reads the Dahua reply: uuid: without urn:, random UUID, no MAC (§1.3)', () => {
    const m = parseDiscovery(fixture('dahua-dh-ipc-hdw1230t2')).matches[0]!;
    expect(m.endpoint).toBe('uuid:74f7e627-c54f-49fb-84ed-6de9b7f588a5');
    expect(m.endpointId).toBe('74f7e627-c54f-49fb-84ed-6de9b7f588a5');
    expect(macFromUuid(m.endpointId)).toBeNull();
    expect(m.scopes.find((s) => s.category === 'extension')?.value).toBe('unique_identifier/1');
  });

  it('reads the indented Axis reply with newlines inside Scopes and XAddrs', () => {
    const m = parseDiscovery(fixture('axis-m2036-le')).matches[0]!;
    expect(m.scopes.map((s) => s.raw)).toContain('onvif://www.onvif.org/name/AXIS%20M2036-LE');
    expect(m.scopes.find((s) => s.category === 'name')?.value).toBe('AXIS M2036-LE');
    expect(m.xaddrs).toHaveLength(4);
    expect(isOnvifMatch(m)).toBe(true);
  });

  it('reads every ProbeMatch of a datagram that carries several (NVR proxies)', () => {
    const one = fixture('hikvision-ds-2cd3955fwd-iws');
    const match = /<d:ProbeMatch>[\s\S]*<\/d:ProbeMatch>/.exec(one)![0];
    const second = match
      .replace('b4a3820fd92d', 'b4a3820fd92e')
      .replace('DS-2CD3955FWD-IWS', 'DS-2CD2T47G1-L');
    const msg = parseDiscovery(one.replace(match, match + second));
    expect(msg.matches.map((m) => m.endpointId)).toEqual([
      '18ec6401-3aa0-11b5-83f6-b4a3820fd92d',
      '18ec6401-3aa0-11b5-83f6-b4a3820fd92e',
    ]);
  });

  it('accepts the 2009 OASIS namespaces and a SOAP 1.1 envelope', () => {
    const xml = fixture('dahua-dh-ipc-hdw1230t2')
      .replaceAll(
        'http://schemas.xmlsoap.org/ws/2005/04/discovery',
        'http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01',
      )
      .replaceAll('http://www.w3.org/2003/05/soap-envelope', 'http://schemas.xmlsoap.org/soap/envelope/');
    const msg = parseDiscovery(xml);
    expect(msg.kind).toBe('probe-matches');
    expect(msg.matches).toHaveLength(1);
  });
});

describe('scopes and endpoints', () => {
  it('percent-decodes values and keeps bad escapes as sent', () => {
    expect(parseScope('onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I')).toEqual({
      raw: 'onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I',
      category: 'name',
      value: 'HIKVISION DS-2CD2385G1-I',
    });
    expect(parseScope('onvif://www.onvif.org/name/bad%E0%A4%A%20x').value).toBe('bad%E0%A4%A x');
    expect(parseScope('onvif://www.onvif.org/MAC/58:50:ed:1f:e3:85').category).toBe('mac');
  });

  it('files junk scopes from OEM firmware under other', () => {
    expect(parseScope('http:123')).toEqual({ raw: 'http:123', category: 'other', value: 'http:123' });
  });

  it('normalises endpoints and takes a MAC only from time-based UUIDs with a real node', () => {
    expect(normaliseEndpoint('urn:uuid:AA85C000-6324-11B3-819E-5850ED1FE385')).toBe(
      'aa85c000-6324-11b3-819e-5850ed1fe385',
    );
    expect(macFromUuid('aa85c000-6324-11b3-819e-5850ed1fe385')).toBe('58:50:ed:1f:e3:85');
    // multicast bit set in the node: RFC 4122 random node, not a MAC
    expect(macFromUuid('aa85c000-6324-11b3-819e-5950ed1fe385')).toBeNull();
    expect(macFromUuid('74f7e627-c54f-49fb-84ed-6de9b7f588a5')).toBeNull();
  });

  it('filters Windows and printer WS-Discovery answers (§1.5)', () => {
    const base = { endpoint: 'urn:uuid:1', endpointId: '1', xaddrs: [], metadataVersion: 1 };
    expect(isOnvifMatch({ ...base, types: ['wsdp:Device', 'pub:Computer'], scopes: [] })).toBe(false);
    expect(isOnvifMatch({ ...base, types: ['wprt:PrintDeviceType'], scopes: [] })).toBe(false);
    expect(isOnvifMatch({ ...base, types: ['tds:Device'], scopes: [] })).toBe(true);
  });
});

describe('Hello and Bye (for the daemon)', () => {
  const hello = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">
<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action><a:MessageID>uuid:9b1c2a00-0000-4000-8000-000000000001</a:MessageID>
<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>
<s:Body><d:Hello><a:EndpointReference><a:Address>uuid:503b687a-1111-4222-8333-444455556666</a:Address></a:EndpointReference>
<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2</d:Scopes>
<d:XAddrs>http://192.168.1.45/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:Hello></s:Body></s:Envelope>`;

  it('reads a Dahua Hello', () => {
    const r = parseHelloBye(hello);
    expect(r).toHaveLength(1);
    expect(r![0]!.kind).toBe('hello');
    expect(r![0]!.match.endpointId).toBe('503b687a-1111-4222-8333-444455556666');
    expect(r![0]!.match.xaddrs).toEqual(['http://192.168.1.45/onvif/device_service']);
  });

  it('reads a Bye that carries only the endpoint', () => {
    const bye = hello
      .replace('/discovery/Hello', '/discovery/Bye')
      .replace(
        /<d:Hello>[\s\S]*<\/d:Hello>/,
        '<d:Bye><a:EndpointReference><a:Address>uuid:503b687a-1111-4222-8333-444455556666</a:Address></a:EndpointReference></d:Bye>',
      );
    const r = parseHelloBye(bye);
    expect(r?.[0]?.kind).toBe('bye');
    expect(r?.[0]?.match.types).toEqual([]);
  });

  it('returns null for a ProbeMatches or a Probe', () => {
    expect(parseHelloBye(fixture('dahua-dh-ipc-hdw1230t2'))).toBeNull();
    expect(parseHelloBye(buildProbe('uuid:1', null))).toBeNull();
  });
});

describe('device service', () => {
  it('computes the WS-Security PasswordDigest as base64(SHA1(nonce ‖ created ‖ password))', () => {
    // Expected value computed independently:
    // (printf '\x01%.0s' $(seq 16); printf '2024-01-02T03:04:05Zsecret') | openssl sha1 -binary | base64
    const token = {
      username: 'admin',
      password: 'secret',
      nonce: Buffer.alloc(16, 1),
      created: '2024-01-02T03:04:05Z',
    };
    expect(passwordDigest(token)).toBe('2cZdZXpBpH+xWJdi9avtwKUYnWQ=');
    const xml = buildDeviceRequest('GetDeviceInformation', { ...token, username: 'a<b&"' });
    expect(xml).toContain('<Username>a&#60;b&#38;&#34;</Username>');
    expect(xml).toContain('#PasswordDigest');
    expect(xml).toContain(
      `<Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">AQEBAQEBAQEBAQEBAQEBAQ==</Nonce>`,
    );
  });

  it('sends GetSystemDateAndTime without any Security header', () => {
    expect(buildDeviceRequest('GetSystemDateAndTime')).not.toContain('Security');
  });

  it('reads the device UTC clock and TZ, without the month-then-day rollover bug', () => {
    const body = `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><tds:GetSystemDateAndTimeResponse xmlns:tds="x" xmlns:tt="y"><tds:SystemDateAndTime>
      <tt:TimeZone><tt:TZ>CST-8:00:00</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>0</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>9</tt:Second></tt:Time>
      <tt:Date><tt:Year>2024</tt:Year><tt:Month>2</tt:Month><tt:Day>29</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></e:Body></e:Envelope>`;
    const r = parseSystemDateAndTime(body)!;
    expect(r.tz).toBe('CST-8:00:00');
    expect(r.utc?.toISOString()).toBe('2024-02-29T00:05:09.000Z');
    expect(
      parseSystemDateAndTime(body.replace('<tt:Month>2</tt:Month>', '<tt:Month>13</tt:Month>'))!.utc,
    ).toBeNull();
  });

  it('reads GetDeviceInformation whatever the child prefixes (§1.6)', () => {
    const body = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><ns0:GetDeviceInformationResponse xmlns:ns0="http://www.onvif.org/ver10/device/wsdl">
      <Manufacturer>Dahua</Manufacturer><tt:Model>IPC-HDW1025C</tt:Model><tds:FirmwareVersion>2.420.Dahua 00.14.R, build: 2016-06-18</tds:FirmwareVersion>
      <SerialNumber>2J01018PAA00813</SerialNumber><HardwareId>1.00</HardwareId></ns0:GetDeviceInformationResponse></env:Body></env:Envelope>`;
    expect(parseDeviceInformation(body)).toEqual({
      manufacturer: 'Dahua',
      model: 'IPC-HDW1025C',
      firmware: '2.420.Dahua 00.14.R, build: 2016-06-18',
      serial: '2J01018PAA00813',
      hardwareId: '1.00',
    });
  });

  it('reads a NotAuthorized fault', () => {
    const fault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value>
      <s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Sender not authorized</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`;
    expect(parseFault(fault)).toEqual({
      code: 's:Sender',
      subcode: 'ter:NotAuthorized',
      reason: 'Sender not authorized',
    });
  });

  it('aims device calls at the answering address, http before https, skipping IPv6 and disabled https', () => {
    const x = [
      'http://192.168.0.90/onvif/device_service',
      'https://192.168.0.90/onvif/device_service',
      'http://[fe80::1]/onvif/device_service',
      'not a url',
    ];
    expect(serviceUrls(x, '10.77.0.9', true).map(String)).toEqual([
      'http://10.77.0.9/onvif/device_service',
      'https://10.77.0.9/onvif/device_service',
    ]);
    expect(serviceUrls(x, '10.77.0.9', false).map(String)).toEqual(['http://10.77.0.9/onvif/device_service']);
    expect(
      serviceUrls(['http://192.168.1.64:8899/onvif/device_service'], '10.0.0.5', true).map(String),
    ).toEqual(['http://10.0.0.5:8899/onvif/device_service']);
  });
});

describe('WS-Discovery hostile input', () => {
  it('returns an empty message for garbage, binary and empty datagrams', () => {
    for (const junk of [
      '',
      'not xml',
      '<a><b>',
      Buffer.from([0, 255, 1, 2]),
      '<Envelope><Body><ProbeMatch/></Body></Envelope>',
    ]) {
      const msg = parseDiscovery(junk);
      expect(msg.matches).toEqual([]);
      expect(msg.kind).toBe('other');
    }
  });

  it('keeps whole matches from a truncated datagram and drops the cut one', () => {
    const full = fixture('hikvision-ds-2cd3955fwd-iws');
    const cut = full.slice(0, full.indexOf('<d:Scopes>') + 40);
    const m = parseDiscovery(cut).matches;
    expect(m).toHaveLength(1); // EndpointReference survived; Scopes was cut mid-way
    expect(m[0]!.xaddrs).toEqual([]);
  });

  it('caps matches per datagram and list items per match', () => {
    const one =
      '<d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:X</a:Address></a:EndpointReference><d:Scopes>' +
      'onvif://www.onvif.org/type/a '.repeat(100) +
      '</d:Scopes></d:ProbeMatch>';
    const xml = `<s:Envelope><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action></s:Header><s:Body><d:ProbeMatches>${one.repeat(70)}</d:ProbeMatches></s:Body></s:Envelope>`;
    const msg = parseDiscovery(xml);
    expect(msg.matches.length).toBe(64);
    expect(msg.matches[0]!.scopes.length).toBe(64);
  });

  it('does not expand entities in scopes (billion laughs / XXE)', () => {
    const xml = fixture('dahua-dh-ipc-hdw1230t2')
      .replace(
        '<SOAP-ENV:Envelope',
        '<!DOCTYPE e [<!ENTITY a "AAAA"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]><SOAP-ENV:Envelope',
      )
      .replace('onvif://www.onvif.org/name/Dahua', 'onvif://www.onvif.org/name/&b;&x;');
    const name = parseDiscovery(xml).matches[0]!.scopes.find((s) => s.category === 'name');
    expect(name?.value).toBe('&b;&x;');
  });

  it('is bounded on a 10 MB input', () => {
    const cpu = cpuMillis(() => {
      parseDiscovery(`<s:Envelope><s:Body>${'<d:ProbeMatch>'.repeat(1_000_000)}`);
      parseSystemDateAndTime('x'.repeat(10_000_000));
      parseDeviceInformation(`<a>${'<b>'.repeat(2_000_000)}`);
    });
    expect(cpu).toBeLessThan(3000);
  });
});
