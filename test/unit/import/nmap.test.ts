/**
 * nmap XML import: a real `nmap -sV -oX` run against the lab (test/fixtures/import/, recorded
 * with nmap 7.93 inside the lab's scanner namespace) becomes the observations the mapping table
 * in src/knowledge/import/README.md promises, and `camsweep identify --from nmap-xml` turns them
 * into devices with verdicts and evidence.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../agent/commands/identify.js';
import { PACKAGE_ROOT } from '../../../src/core/version.js';
import { importNmapXml } from '../../../src/knowledge/import/nmap.js';
import { fakeIO } from '../identify/helpers.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'import');
const LAB_RUN = join(FIXTURES, 'nmap-lab-sV-scripts.xml');
const TIMED_OUT_RUN = join(FIXTURES, 'nmap-lab-host-timeout.xml');
const PEM = readFileSync(
  join(PACKAGE_ROOT, 'test', 'fixtures', 'identify', 'hikvision-default-cert.pem'),
  'utf8',
);

const scratch = mkdtempSync(join(tmpdir(), 'camsweep-nmap-'));
function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/** A minimal nmap document around one host's XML. */
function nmaprun(hostXml: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner="nmap" start="1796653910">${hostXml}</nmaprun>\n`;
}

interface Line {
  host: string;
  identity: { manufacturer: string | null; model: string | null; confidence: number };
  verdict: string;
  findings: { rule: string }[];
  evidence: { probe: string; key: string; signature?: string; port?: number }[];
  partial?: boolean;
}
const lines = (s: string): Line[] =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('mapping nmap XML to observations', () => {
  const hosts = importNmapXml(readFileSync(LAB_RUN, 'utf8'));
  const of = (ip: string) => hosts.find((h) => h.host === ip)!.observations;
  const pairs = (ip: string) => of(ip).map((o) => [o.key, o.value, o.port ?? null] as const);

  it('reads one host per <host>, with its MAC and open TCP ports', () => {
    expect(hosts.map((h) => h.host)).toEqual(['10.77.0.64', '10.77.0.108', '10.78.0.50']);
    expect(pairs('10.77.0.64')).toContainEqual(['mac.address', '58:50:ED:1F:E3:85', null]);
    expect(pairs('10.77.0.64').filter(([k]) => k === 'tcp.open')).toEqual([
      ['tcp.open', '80', 80],
      ['tcp.open', '554', 554],
    ]);
    expect(of('10.77.0.64').every((o) => o.probe === 'nmap' && o.at === '2026-12-07T14:32:31.000Z')).toBe(
      true,
    );
  });

  it('maps the scripts: server header, title, PEM, RTSP methods, sysDescr', () => {
    expect(pairs('10.77.0.64')).toContainEqual(['http.header.server', 'App-webs/', 80]);
    expect(pairs('10.77.0.108')).toContainEqual(['http.html.title', 'WEB SERVICE', 80]);
    expect(pairs('10.77.0.108')).toContainEqual(['snmp.sysDescr', 'DH-NVR4108HS-8P-4KS2', 161]);
    expect(pairs('10.77.0.108')).toContainEqual([
      'rtsp.header.public',
      'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER',
      554,
    ]);
    const pem = of('10.78.0.50').find((o) => o.key === 'tls.cert.pem');
    expect(pem?.value).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/);
    // "Site doesn't have a title" is nmap talking, not the page.
    expect(of('10.77.0.64').some((o) => o.key === 'http.html.title')).toBe(false);
  });

  it('turns the raw replies nmap kept of an unrecognised service into headers and a body', () => {
    const dahua = of('10.77.0.108');
    expect(dahua).toContainEqual(
      expect.objectContaining({ key: 'http.header.p3p', value: 'CP=CAO PSA OUR', path: '/' }),
    );
    expect(dahua).toContainEqual(expect.objectContaining({ key: 'http.status', value: '200', path: '/' }));
    const body = dahua.find((o) => o.key === 'http.body');
    expect(body?.value).toMatch(/^<!DOCTYPE html>\n<html>[\s\S]*<title>WEB SERVICE<\/title>/);
  });

  it('reads service product and version, and marks hosts nmap timed out on', () => {
    const [host] = importNmapXml(
      nmaprun(
        '<host timedout="true"><status state="up"/><address addr="10.0.0.5" addrtype="ipv4"/><ports>' +
          '<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="Hikvision DVR web UI" version="1.0" devicetype="webcam"/></port>' +
          '<port protocol="tcp" portid="81"><state state="closed"/><service name="x" product="ignored"/></port>' +
          '</ports></host><host><status state="down"/><address addr="10.0.0.6" addrtype="ipv4"/></host>',
      ),
    );
    expect(host!.timedOut).toBe(true);
    expect(host!.observations.map((o) => [o.key, o.value])).toEqual([
      ['tcp.open', '80'],
      ['nmap.service.product', 'Hikvision DVR web UI'],
      ['nmap.service.version', '1.0'],
      ['nmap.service.devicetype', 'webcam'],
    ]);
  });

  it('refuses XML that is not nmap output', () => {
    expect(() => importNmapXml('<html><body/></html>')).toThrow(/not nmap's <nmaprun>/);
  });
});

describe('camsweep identify --from nmap-xml', () => {
  it('gives each lab host the verdict its evidence supports, with nmap as the probe', async () => {
    const f = fakeIO();
    expect(await run(['--from', 'nmap-xml', LAB_RUN, '--at', '2026-12-07'], f.io)).toBe(0);
    const out = lines(f.stdout());
    const by = (ip: string) => out.find((d) => d.host === ip)!;
    expect(by('10.77.0.64')).toMatchObject({ verdict: 'covered', identity: { manufacturer: 'hikvision' } });
    expect(by('10.77.0.108')).toMatchObject({
      verdict: 'covered',
      identity: { manufacturer: 'dahua', model: 'DH-NVR4108HS-8P-4KS2' },
    });
    expect(by('10.78.0.50')).toMatchObject({ verdict: 'covered', identity: { manufacturer: 'hikvision' } });
    expect(by('10.78.0.50').evidence.map((e) => e.signature)).toContain('hikvision-tls-default-cert');
    expect(by('10.77.0.64').findings.map((x) => x.rule)).toContain('us-ndaa-889-b');
    expect(out.flatMap((d) => d.evidence).every((e) => e.probe === 'nmap')).toBe(true);
  });

  it('derives certificate fields from the PEM that ssl-cert printed', async () => {
    const xml = nmaprun(
      '<host><status state="up"/><address addr="10.0.0.7" addrtype="ipv4"/><ports><port protocol="tcp" portid="443">' +
        '<state state="open"/><service name="https"/><script id="ssl-cert" output="Subject: …">' +
        `<elem key="pem">${PEM.replaceAll('-', '&#45;')}</elem></script></port></ports></host>`,
    );
    const f = fakeIO();
    expect(await run(['--from', 'nmap-xml', file('cert.xml', xml)], f.io)).toBe(0);
    const [device] = lines(f.stdout());
    expect(device!.identity.manufacturer).toBe('hikvision');
    expect(device!.evidence.find((e) => e.key === 'tls.cert.subject')?.signature).toBe(
      'hikvision-tls-default-cert',
    );
  });

  it("takes nmap's own product match as a medium signal: suspect alone and with an OUI", async () => {
    const host = (extra: string) =>
      nmaprun(
        `<host><status state="up"/><address addr="10.0.0.8" addrtype="ipv4"/>${extra}<ports><port protocol="tcp" portid="80">` +
          '<state state="open"/><service name="http" product="Hikvision IP camera httpd" devicetype="webcam"/></port></ports></host>',
      );
    const alone = fakeIO();
    expect(await run(['--from', 'nmap-xml', file('product.xml', host(''))], alone.io)).toBe(0);
    expect(lines(alone.stdout())[0]).toMatchObject({
      verdict: 'suspect',
      identity: { manufacturer: 'hikvision' },
    });
    expect(lines(alone.stdout())[0]!.evidence[0]).toMatchObject({
      signature: 'hikvision-nmap-product',
      port: 80,
    });
    const withMac = fakeIO();
    const mac =
      '<address addr="58:50:ED:1F:E3:85" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>';
    expect(await run(['--from', 'nmap-xml', file('product-mac.xml', host(mac))], withMac.io)).toBe(0);
    const both = lines(withMac.stdout())[0]!;
    expect(both.verdict).toBe('suspect');
    expect(both.identity.confidence).toBeGreaterThan(lines(alone.stdout())[0]!.identity.confidence);
  });

  it('names timed-out hosts on stderr, marks them partial and exits 1', async () => {
    const f = fakeIO();
    expect(await run(['--from', 'nmap-xml', TIMED_OUT_RUN], f.io)).toBe(1);
    const out = lines(f.stdout());
    expect(out.map((d) => d.host).sort()).toEqual([
      '10.77.0.108',
      '10.77.0.20',
      '10.77.0.64',
      '10.77.0.90',
      '10.78.0.50',
    ]);
    expect(out.filter((d) => d.partial).map((d) => d.host)).toEqual([
      '10.77.0.64',
      '10.77.0.108',
      '10.78.0.50',
    ]);
    expect(f.stderr()).toMatch(/nmap timed out on 10\.77\.0\.64 \(--host-timeout\): its result is partial/);
    // An OUI alone never makes a timed-out host covered.
    expect(out.find((d) => d.host === '10.77.0.64')!.verdict).toBe('suspect');
  });

  it('prints the scan table with --format table', async () => {
    const f = fakeIO();
    expect(await run(['--from', 'nmap-xml', LAB_RUN, '--format', 'table'], f.io)).toBe(0);
    const text = f.stdout();
    expect(text).toMatch(/^camsweep: 3 devices on 3 addresses — 3 covered/);
    expect(text).toMatch(/^10\.77\.0\.108 +3c:ef:8c:61:01:c0 +covered +dahua +nvr +DH-NVR4108HS-8P-4KS2/m);
    expect(text).toMatch(
      /evidence: snmp\.sysDescr = "DH-NVR4108HS-8P-4KS2" \[dahua-snmp-sysdescr-model\] \(nmap:161\)/,
    );
  });

  it('names the file and the fix when it is truncated, hostile, missing or not nmap', async () => {
    const whole = readFileSync(LAB_RUN, 'utf8');
    const cases: [string, RegExp][] = [
      [file('cut.xml', whole.slice(0, whole.length / 2)), /cut\.xml is not usable nmap XML: .*truncated/],
      [
        file('lol.xml', '<!DOCTYPE n [<!ENTITY a "aaaa">]><nmaprun>&a;</nmaprun>'),
        /lol\.xml is not usable nmap XML: a DOCTYPE with an internal subset/,
      ],
      [file('html.xml', '<html/>'), /html\.xml is not usable nmap XML: the root element is <html>/],
      [join(scratch, 'absent.xml'), /cannot read .*absent\.xml: ENOENT/],
    ];
    for (const [path, message] of cases) {
      const error = await run(['--from', 'nmap-xml', path], fakeIO().io).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(message) });
    }
  });

  it('refuses an unknown --from or --format', async () => {
    await expect(run(['--from', 'masscan'], fakeIO().io)).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(run(['--format', 'csv'], fakeIO().io)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('camsweep identify --from jsonl FILE', () => {
  const hik =
    '{"host":"10.0.0.2","key":"http.header.www-authenticate","value":"Digest realm=\\"DS-7608NI-K2\\", nonce=\\"x\\""}\n';
  const axis =
    '{"host":"10.0.0.3","key":"http.header.www-authenticate","value":"Digest realm=\\"AXIS_ACCC8E4D2A17\\""}\n';

  it('reads files and "-" (stdin), merging hosts across them', async () => {
    const f = fakeIO(axis);
    expect(await run(['--from', 'jsonl', file('a.jsonl', hik), '-'], f.io)).toBe(0);
    const out = lines(f.stdout());
    expect(out.map((d) => [d.host, d.identity.manufacturer, d.verdict])).toEqual([
      ['10.0.0.2', 'hikvision', 'covered'],
      ['10.0.0.3', 'axis', 'not-covered'],
    ]);
  });

  it('prefixes bad lines with the file name when there are several inputs', async () => {
    const f = fakeIO();
    expect(await run([file('b.jsonl', `${hik}not json\n`), file('c.jsonl', axis)], f.io)).toBe(2);
    expect(f.stderr()).toMatch(/b\.jsonl: line 2: not JSON/);
    expect(lines(f.stdout())).toHaveLength(2);
  });
});
