/**
 * The derive step: identify computes every derived key from the raw one, so a saved or imported
 * observation set that carries only raw keys (a whole WWW-Authenticate value, an HTML body, a
 * PEM certificate, an icon, an OID as snmpget prints it) identifies the same as a live scan.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKnownKey } from '../../../src/contract/observation-keys.js';
import type { Observation } from '../../../src/contract/types.js';
import { PACKAGE_ROOT } from '../../../src/core/version.js';
import { certFromPem } from '../../../src/knowledge/identify/derive/certificate.js';
import { derive } from '../../../src/knowledge/identify/derive/index.js';
import { normaliseOid, normaliseSnmpKey } from '../../../src/knowledge/identify/derive/snmp.js';
import { cpuMillis } from '../../helpers/cpu-time.js';
import { identifier, obs } from './helpers.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'identify');
const HIK_PEM = readFileSync(join(FIXTURES, 'hikvision-default-cert.pem'), 'utf8');

/** One observation of host h at a port and path. */
function seen(key: string, value: string, port: number, path: string, probe: string): Observation {
  return { host: 'h', key, value, port, path, probe, at: '' };
}

/** Derived values for `key`, in order. */
function derived(pairs: readonly (readonly [string, string])[], key: string): string[] {
  return derive(obs(pairs))
    .filter((o) => o.key === key)
    .map((o) => o.value);
}

describe('realms and schemes from raw WWW-Authenticate values', () => {
  it('reads a Hikvision digest challenge with the realm not first', () => {
    const raw = 'Digest qop="auth", realm="IP Camera(C2385)", nonce="4e5468694e7a42", stale="FALSE"';
    const pairs = [['http.header.www-authenticate', raw]] as const;
    expect(derived(pairs, 'http.auth.realm')).toEqual(['IP Camera(C2385)']);
    expect(derived(pairs, 'http.auth.scheme')).toEqual(['digest']);
  });

  it('reads every challenge of a value that offers several, Basic realms unquoted too', () => {
    const raw = 'Digest realm="Login to 2M00D2APAZTL62J", nonce="1", qop="auth", Basic realm=DS-7608NI-K2';
    const pairs = [['http.header.www-authenticate', raw]] as const;
    expect(derived(pairs, 'http.auth.realm')).toEqual(['Login to 2M00D2APAZTL62J', 'DS-7608NI-K2']);
    expect(derived(pairs, 'http.auth.scheme')).toEqual(['digest', 'basic']);
  });

  it('reads challenges joined by line breaks, as tools that fold repeated headers print them', () => {
    const raw = 'Basic realm="a"\nDigest realm="Login to 4C045ADPAG60CD", nonce="x"';
    expect(derived([['rtsp.header.www-authenticate', raw]], 'rtsp.auth.realm')).toEqual([
      'a',
      'Login to 4C045ADPAG60CD',
    ]);
  });

  it('keeps commas and escaped quotes inside a quoted realm', () => {
    const raw = 'Digest realm="Acme \\"NVR\\", Lobby", nonce="1"';
    expect(derived([['http.header.www-authenticate', raw]], 'http.auth.realm')).toEqual([
      'Acme "NVR", Lobby',
    ]);
  });

  it('survives hostile values: unclosed quotes, no realm, floods, megabytes', () => {
    const hostile = [
      'Digest realm="never closed, nonce=1',
      'Digest',
      '',
      ',,,,,,,,',
      '"""""',
      `Digest ${'a=b, '.repeat(50_000)}realm="late"`,
      `Basic realm="${'x'.repeat(1_000_000)}"`,
      'Basic '.repeat(100_000),
    ];
    const cpu = cpuMillis(() => {
      for (const raw of hostile) {
        const out = derive(obs([['http.header.www-authenticate', raw]]));
        for (const o of out.slice(1)) expect(o.value.length).toBeLessThanOrEqual(4096);
        expect(out.filter((o) => o.key === 'http.auth.scheme').length).toBeLessThanOrEqual(8);
      }
      // Linear parsing: well under a second unloaded; quadratic parsing would take minutes.
    });
    expect(cpu).toBeLessThan(10_000);
  });

  it('does not add a realm the probe already reported for the same port and path', () => {
    const given: Observation[] = [
      seen('http.header.www-authenticate', 'Basic realm="x"', 80, '/a', 'http'),
      { host: 'h', key: 'http.auth.realm', value: 'x', port: 80, path: '/a', probe: 'http', at: '' },
    ];
    expect(derive(given).filter((o) => o.key === 'http.auth.realm')).toHaveLength(1);
  });

  it('keeps port and path of the header it read', () => {
    const given: Observation[] = [
      seen('http.header.www-authenticate', 'Basic realm="x"', 8080, '/ISAPI', 'nmap'),
    ];
    const realm = derive(given).find((o) => o.key === 'http.auth.realm');
    expect(realm).toMatchObject({ port: 8080, path: '/ISAPI', probe: 'nmap', value: 'x' });
  });
});

describe('the HTML title from a body', () => {
  it('derives it from an HTML body and not from JSON or text', () => {
    const page = '<!DOCTYPE html><html><head><title> WEB&nbsp;SERVICE </title></head></html>';
    expect(derived([['http.body', page]], 'http.html.title')).toEqual(['WEB SERVICE']);
    expect(derived([['http.body', '{"title":"<title>x</title>"}']], 'http.html.title')).toEqual([]);
  });

  it('trusts a content-type header of the same response', () => {
    const given: Observation[] = [
      seen('http.header.content-type', 'text/html', 80, '/', 'x'),
      seen('http.body', '  \n<p>hi</p><title>Login</title>', 80, '/', 'x'),
    ];
    expect(derive(given).find((o) => o.key === 'http.html.title')?.value).toBe('Login');
  });

  it('ignores titles in comments and stays linear on unclosed markup', () => {
    expect(
      derived([['http.body', '<html><!-- <title>old</title> --><title>new</title>']], 'http.html.title'),
    ).toEqual(['new']);
    const cpu = cpuMillis(() => {
      derived([['http.body', `<html>${'<title'.repeat(20_000)}${'<!--'.repeat(10_000)}`]], 'http.html.title');
    });
    expect(cpu).toBeLessThan(10_000);
  });
});

describe('certificate fields from PEM', () => {
  it('reads subject, issuer and SHA-256 in the form the live probe writes', () => {
    const cert = certFromPem(HIK_PEM);
    expect(cert?.subject).toBe('CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN');
    expect(cert?.issuer).toBe(cert?.subject);
    const der = Buffer.from(HIK_PEM.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(cert?.sha256).toBe(createHash('sha256').update(der).digest('hex'));
  });

  it('reads the first certificate of a chain, with text around it', () => {
    const chain = `subject=whatever\n${HIK_PEM}\n${HIK_PEM.replace('MII', 'MIX')}`;
    expect(certFromPem(chain)?.subject).toMatch(/^CN=www\.hikvision\.com,/);
  });

  it('returns nothing for broken, truncated or oversized PEM', () => {
    expect(certFromPem('')).toBeNull();
    expect(certFromPem(HIK_PEM.slice(0, 400))).toBeNull();
    expect(certFromPem(HIK_PEM.replace(/[A-Za-z]{20}/, '!!!!!!!!!!!!!!!!!!!!'))).toBeNull();
    expect(certFromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toBeNull();
    expect(certFromPem(`${HIK_PEM}${' '.repeat(70_000)}`)).toBeNull();
    const cpu = cpuMillis(() => {
      expect(certFromPem('-----BEGIN CERTIFICATE-----'.repeat(2000))).toBeNull();
    });
    expect(cpu).toBeLessThan(5000);
  });

  it('makes a PEM-only host as Hikvision as the live subject does', () => {
    const fromPem = identifier().identify(obs([['tls.cert.pem', HIK_PEM]])).identity;
    const live = identifier().identify(
      obs([['tls.cert.subject', 'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN']]),
    ).identity;
    expect(fromPem.manufacturer).toBe('hikvision');
    expect(fromPem.confidence).toBeGreaterThanOrEqual(live.confidence);
  });
});

describe('favicon hashes from the icon bytes', () => {
  const pangram = Buffer.from('The quick brown fox jumps over the lazy dog', 'latin1');

  it('gives the Shodan form, the raw-bytes form and MD5', () => {
    const b64 = pangram.toString('base64');
    // Raw MurmurHash3_x86_32 of the pangram, seed 0, is SMHasher's published 0x2e4ff723.
    expect(derived([['http.favicon.base64', b64]], 'http.favicon.mmh3-raw')).toEqual([
      String(0x2e4ff723 | 0),
    ]);
    expect(derived([['http.favicon.base64', b64]], 'http.favicon.md5')).toEqual([
      '9e107d9d372bb6826bd81d3542a419d6',
    ]);
    expect(derived([['http.favicon.base64', b64]], 'http.favicon.mmh3')).toHaveLength(1);
  });

  it('accepts base64 with line breaks and gives the same hashes', () => {
    const icon = Buffer.alloc(300, 7);
    const flat = icon.toString('base64');
    const wrapped = flat.replace(/.{76}/g, '$&\n');
    expect(derived([['http.favicon.base64', wrapped]], 'http.favicon.mmh3')).toEqual(
      derived([['http.favicon.base64', flat]], 'http.favicon.mmh3'),
    );
  });

  it('derives nothing from text that is not base64, empty, or too big for an icon', () => {
    for (const bad of ['', '%%%%', 'abcde', '<html>', 'A'.repeat(400_000)])
      expect(derived([['http.favicon.base64', bad]], 'http.favicon.md5')).toEqual([]);
  });
});

describe('SNMP object identifiers in the forms tools print', () => {
  it.each([
    ['.1.3.6.1.4.1.39165.1.1', '1.3.6.1.4.1.39165.1.1'],
    ['iso.3.6.1.4.1.39165.1.1', '1.3.6.1.4.1.39165.1.1'],
    ['SNMPv2-SMI::enterprises.1004849.2.1', '1.3.6.1.4.1.1004849.2.1'],
    ['enterprises.2011.2.23', '1.3.6.1.4.1.2011.2.23'],
    ['OID: .1.3.6.1.4.1.3902', '1.3.6.1.4.1.3902'],
    ['iso.org.dod.internet.private.enterprises.50001', '1.3.6.1.4.1.50001'],
    ['1.3.6.1.4.1.50001', '1.3.6.1.4.1.50001'],
  ])('%s', (printed, dotted) => {
    expect(normaliseOid(printed)).toBe(dotted);
    expect(derived([['snmp.sysObjectID', printed]], 'snmp.sysObjectID')).toEqual([dotted]);
  });

  it('leaves names it cannot resolve without a vendor MIB, and hostile text, alone', () => {
    expect(normaliseOid('HIK-DEVICE-MIB::hikvision')).toBeNull();
    expect(normaliseOid(`1.${'3.'.repeat(5000)}1`)).toBeNull();
    expect(normaliseOid('1.3.6.1.4.1.39165; rm -rf /')).toBeNull();
    expect(normaliseOid('constructor.1')).toBeNull();
    expect(normaliseSnmpKey('snmp.oid.__proto__')).toBe('snmp.oid.__proto__');
  });

  it('normalises keys: system scalars by name or number, vendor scalars to dotted form', () => {
    expect(normaliseSnmpKey('snmp.oid.iso.3.6.1.2.1.1.1.0')).toBe('snmp.sysDescr');
    expect(normaliseSnmpKey('snmp.oid.SNMPv2-MIB::sysObjectID.0')).toBe('snmp.sysObjectID');
    expect(normaliseSnmpKey('snmp.oid..1.3.6.1.4.1.39165.1.1.0')).toBe('snmp.oid.1.3.6.1.4.1.39165.1.1.0');
    expect(normaliseSnmpKey('snmp.oid.SNMPv2-SMI::enterprises.39165.1.6.0')).toBe(
      'snmp.oid.1.3.6.1.4.1.39165.1.6.0',
    );
    expect(normaliseSnmpKey('snmp.sysDescr')).toBe('snmp.sysDescr');
  });

  it('strips the type tag and quotes snmpget prints', () => {
    expect(
      derived([['snmp.oid.iso.3.6.1.2.1.1.1.0', 'STRING: "Hikvision company products"']], 'snmp.sysDescr'),
    ).toEqual(['Hikvision company products']);
  });

  it('names the maker from a sysObjectID in every printed form', () => {
    for (const printed of [
      '.1.3.6.1.4.1.39165.1.1',
      'iso.3.6.1.4.1.39165.1.1',
      'SNMPv2-SMI::enterprises.39165.1.1',
    ])
      expect(identifier().identify(obs([['snmp.sysObjectID', printed]])).identity.manufacturer).toBe(
        'hikvision',
      );
    expect(
      identifier().identify(
        obs([['snmp.oid..1.3.6.1.2.1.1.2.0', 'OID: SNMPv2-SMI::enterprises.1004849.2.1']]),
      ).identity.manufacturer,
    ).toBe('dahua');
  });
});

describe('the private enterprise arc of any vendor scalar', () => {
  it('derives the enterprise number once per host from OID keys in any printed form', () => {
    expect(
      derived(
        [
          ['snmp.oid.1.3.6.1.4.1.1004849.2.10.1.2.1.2.0', 'Connected'],
          ['snmp.oid.SNMPv2-SMI::enterprises.1004849.2.10.1.2.1.2.1', 'Connected'],
          ['snmp.oid.1.3.6.1.2.1.2.2.1.2.1', 'eth0'],
        ],
        'snmp.enterprise',
      ),
    ).toEqual(['1004849']);
    expect(derived([['snmp.oid.1.3.6.1.4.1.', 'x']], 'snmp.enterprise')).toEqual([]);
  });

  it("makes an agent that answers only inside Dahua's arc a Dahua device, and net-snmp's arc no one", () => {
    const dahua = identifier().identify(obs([['snmp.oid.1.3.6.1.4.1.1004849.2.10.1.2.1.2.0', 'Connected']]));
    expect(dahua.identity.manufacturer).toBe('dahua');
    expect(dahua.evidence.map((e) => e.signature)).toContain('dahua-snmp-enterprise');
    const netSnmp = identifier().identify(
      obs([['snmp.oid.1.3.6.1.4.1.8072.1.2.1.1.4.0', 'mibII/sysObjectID']]),
    );
    expect(netSnmp.identity.manufacturer).toBeNull();
  });
});

describe('the MAC address and its registered organisation', () => {
  it('normalises the notation and names the IEEE organisation, whatever the tool printed', () => {
    const out = derive(obs([['mac.address', '58-50-ED-1F-E3-85']]));
    expect(out.find((o) => o.key === 'mac.address')?.value).toBe('58:50:ed:1f:e3:85');
    expect(out.find((o) => o.key === 'mac.oui.org')?.value).toBe(
      'Hangzhou Hikvision Digital Technology Co.,Ltd.',
    );
  });

  it('names nothing for locally administered, malformed or hostile addresses', () => {
    for (const mac of ['5a:50:ed:1f:e3:85', 'zz:zz', '', 'constructor', '00:00:00:00:00:00'])
      expect(derived([['mac.address', mac]], 'mac.oui.org')).toEqual([]);
  });

  it('keeps an OUI alone below confident', () => {
    const { identity } = identifier().identify(obs([['mac.address', '58:50:ED:1F:E3:85']]));
    expect(identity.manufacturer).toBe('hikvision');
    expect(identity.confidence).toBeLessThan(0.8);
  });
});

describe('derived-key definitions', () => {
  it('are all registered observation keys', () => {
    const everything = derive(
      obs([
        ['http.header.www-authenticate', 'Digest realm="r"'],
        ['rtsp.header.www-authenticate', 'Basic realm="r"'],
        ['http.body', '<title>t</title>'],
        ['tls.cert.pem', HIK_PEM],
        ['http.favicon.base64', 'AAAA'],
        ['snmp.oid.iso.3.6.1.2.1.1.5.0', 'x'],
        ['mac.address', '3C:EF:8C:61:01:C0'],
      ]),
    );
    expect(everything.length).toBeGreaterThan(12);
    for (const o of everything) expect(isKnownKey(o.key), o.key).toBe(true);
  });
});

/**
 * Corpus-style cases (test/fixtures/identify/raw-observations.jsonl): each entry gives one
 * device's facts only as raw keys. It must identify as labelled, and exactly as its
 * derived-key twin (what a live probe reports) does.
 */
describe('raw-only observations identify like their derived twins', () => {
  interface Entry {
    id: string;
    label: { manufacturer: string | null };
    source: string;
    raw: { key: string; value: string }[];
    derived: { key: string; value: string }[];
  }
  const entries: Entry[] = readFileSync(join(FIXTURES, 'raw-observations.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

  it('has cases for every raw class', () => {
    const keys = new Set(entries.flatMap((e) => e.raw.map((o) => o.key)));
    for (const k of [
      'http.header.www-authenticate',
      'rtsp.header.www-authenticate',
      'tls.cert.pem',
      'snmp.sysObjectID',
    ])
      expect(keys).toContain(k);
  });

  for (const e of entries) {
    it(e.id, () => {
      const pem = (v: string) => (v === '@hikvision-default-cert.pem' ? HIK_PEM : v);
      const raw = identifier().identify(obs(e.raw.map((o) => [o.key, pem(o.value)] as const))).identity;
      const twin = identifier().identify(obs(e.derived.map((o) => [o.key, o.value] as const))).identity;
      expect(raw.manufacturer, e.source).toBe(e.label.manufacturer);
      expect({ ...raw, confidence: 0 }).toEqual({ ...twin, confidence: 0 });
      expect(raw.confidence).toBeGreaterThanOrEqual(twin.confidence);
    });
  }
});
