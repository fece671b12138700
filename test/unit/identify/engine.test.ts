import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CamsweepError } from '../../../src/core/errors.js';
import { SIGNATURES_DIR } from '../../../src/core/version.js';
import { CONFIDENT } from '../../../src/knowledge/identify/confidence.js';
import { loadIdentifier } from '../../../src/knowledge/identify/index.js';
import { cpuMillis } from '../../helpers/cpu-time.js';
import { identifier, obs } from './helpers.js';

const HIK_OUI = ['mac.oui.org', 'Hangzhou Hikvision Digital Technology Co.,Ltd.'] as const;

describe('single weak signals stay below the confident threshold', () => {
  const cases: [string, (readonly [string, string])[]][] = [
    ['a Hikvision OUI', [HIK_OUI]],
    ['the title WEB SERVICE', [['http.html.title', 'WEB SERVICE']]],
    ['a Dahua P3P header', [['http.header.p3p', 'CP=CAO PSA OUR']]],
    ['the _CGI._tcp service', [['mdns.service', '_CGI._tcp']]],
    ['a Huawei OUI', [['mac.oui.org', 'HUAWEI TECHNOLOGIES CO.,LTD']]],
  ];
  for (const [name, pairs] of cases) {
    it(name, () => {
      const { identity, evidence } = identifier().identify(obs(pairs));
      expect(identity.manufacturer).not.toBeNull();
      expect(identity.confidence).toBeGreaterThan(0);
      expect(identity.confidence).toBeLessThan(CONFIDENT);
      expect(evidence[0]?.signature).toBeTruthy();
    });
  }

  it('piling up weak hints from several protocols still is not confident', () => {
    const { identity } = identifier().identify(
      obs([
        ['http.html.title', 'WEB SERVICE'],
        ['http.header.p3p', 'CP=CAO PSA OUR'],
        ['mac.oui.org', 'Zhejiang Dahua Technology Co., Ltd.'],
        ['onvif.scope.extension', 'unique_identifier'],
      ]),
    );
    expect(identity.manufacturer).toBe('dahua');
    expect(identity.confidence).toBeLessThan(CONFIDENT);
  });

  it('generic *-Webs servers name nobody', () => {
    for (const server of ['GoAhead-Webs', 'Webs', 'webserver', 'LTE Router Webs']) {
      expect(identifier().identify(obs([['http.header.server', server]])).identity.manufacturer).toBeNull();
    }
  });
});

describe('independent strong signals', () => {
  it('give a confident identity with model, serial, firmware and the signatures behind them', () => {
    const { identity, evidence } = identifier().identify(
      obs([
        ['http.header.server', 'App-webs/'],
        ['sadp.DeviceSN', 'DS-2CD2385G1-I20200414AAWRE33842150'],
        ['sadp.SoftwareVersion', 'V5.6.2build 190701'],
        HIK_OUI,
      ]),
    );
    expect(identity).toMatchObject({
      manufacturer: 'hikvision',
      brand: null,
      deviceType: 'camera',
      model: 'DS-2CD2385G1-I',
      serial: 'DS-2CD2385G1-I20200414AAWRE33842150',
      firmware: 'V5.6.2build 190701',
    });
    expect(identity.confidence).toBeGreaterThanOrEqual(CONFIDENT);
    expect(identity.confidence).toBeLessThan(1);
    expect(evidence.map((e) => e.signature)).toEqual(
      expect.arrayContaining(['hikvision-http-server', 'hikvision-sadp-serial', 'hikvision-oui']),
    );
  });

  it('two signals from one protocol count less than two protocols', () => {
    const sameSource = identifier().identify(
      obs([
        ['http.auth.realm', 'IP Camera(C2183)'],
        ['http.body', '<script>window.location.href = "/doc/page/login.asp";</script>'],
      ]),
    ).identity.confidence;
    const twoSources = identifier().identify(
      obs([
        ['http.auth.realm', 'IP Camera(C2183)'],
        ['rtsp.auth.realm', 'IP Camera(C2183)'],
      ]),
    ).identity.confidence;
    expect(twoSources).toBeGreaterThan(sameSource);
  });
});

describe('OEM badges and subsidiaries', () => {
  it('an Annke badge on Hikvision firmware resolves to the real maker', () => {
    const { identity } = identifier().identify(
      obs([
        ['onvif.scope.name', 'ANNKE'],
        ['sadp.DeviceDescription', 'DS-2CD2143G2-I'],
        ['http.header.server', 'App-webs/'],
      ]),
    );
    expect(identity).toMatchObject({ manufacturer: 'hikvision', brand: 'annke' });
    expect(identity.confidence).toBeGreaterThanOrEqual(CONFIDENT);
  });

  it('a badge alone does not name a maker when the brand is model-specific OEM', () => {
    const { identity } = identifier().identify(obs([['onvif.scope.name', 'ANNKE']]));
    expect(identity).toMatchObject({ manufacturer: null, brand: 'annke', confidence: 0 });
  });

  it('an Amcrest DHIP reply is Dahua-made, badged Amcrest', () => {
    const { identity } = identifier().identify(
      obs([
        ['dhip.Vendor', 'Amcrest'],
        ['dhip.DeviceType', 'IP2M-841B'],
        ['dhip.DeviceClass', 'IPC'],
        ['http.auth.realm', 'Login to AMC0123456789AB'],
      ]),
    );
    expect(identity).toMatchObject({
      manufacturer: 'dahua',
      brand: 'amcrest',
      deviceType: 'camera',
      model: 'IP2M-841B',
    });
  });

  it('a Lorex OUI on Dahua firmware is Dahua, badged Lorex (former subsidiary supports, not contradicts)', () => {
    const { identity } = identifier().identify(
      obs([
        ['mac.oui.org', 'Lorex Technology Inc.'],
        ['http.auth.realm', 'Login to 4C045ADPAG60CD'],
        ['rtsp.header.server', 'Rtsp Server/3.0'],
      ]),
    );
    expect(identity).toMatchObject({ manufacturer: 'dahua', brand: 'lorex' });
    expect(identity.alternatives).toBeUndefined();
  });

  it('an EZVIZ badge names the Hikvision subsidiary itself', () => {
    const { identity } = identifier().identify(
      obs([
        ['onvif.scope.name', 'EZVIZ'],
        ['mac.oui.org', 'Hangzhou Ezviz Software Co.,Ltd.'],
      ]),
    );
    expect(identity.manufacturer).toBe('ezviz');
  });
});

describe('contradictions', () => {
  it('are kept as alternatives and pull the confidence down', () => {
    const { identity, evidence } = identifier().identify(
      obs([
        ['sadp.DeviceSN', 'DS-2CD2385G1-I20200414AAWRE33842150'],
        ['dhip.Vendor', 'Dahua'],
      ]),
    );
    expect(identity.alternatives?.length).toBe(1);
    const names = [identity.manufacturer, identity.alternatives?.[0]?.manufacturer].sort();
    expect(names).toEqual(['dahua', 'hikvision']);
    expect(identity.confidence).toBeLessThan(CONFIDENT);
    expect(evidence.map((e) => e.signature)).toEqual(
      expect.arrayContaining(['hikvision-sadp-serial', 'dahua-dhip-vendor']),
    );
  });
});

describe('device types', () => {
  const type = (pairs: (readonly [string, string])[]) =>
    identifier().identify(obs(pairs)).identity.deviceType;
  it('from SADP channel counts and model prefixes', () => {
    expect(
      type([
        ['sadp.DeviceDescription', 'DS-7616NI-K2/16P'],
        ['sadp.DigitalChannelNum', '16'],
      ]),
    ).toBe('nvr');
    expect(
      type([
        ['sadp.DeviceDescription', 'DS-7216HQHI-K1'],
        ['sadp.AnalogChannelNum', '16'],
        ['sadp.DigitalChannelNum', '2'],
      ]),
    ).toBe('dvr');
    expect(
      type([
        ['sadp.DeviceDescription', 'DS-KH6210-L'],
        ['sadp.AnalogChannelNum', '1'],
      ]),
    ).toBe('intercom');
    expect(type([['onvif.scope.hardware', 'DS-2TD2617-6/PA']])).toBe('thermal');
  });
  it('from DHIP DeviceClass and SNMP hikEntityType', () => {
    expect(
      type([
        ['dhip.Vendor', 'Dahua'],
        ['dhip.DeviceClass', 'VTO'],
      ]),
    ).toBe('intercom');
    expect(
      type([
        ['snmp.sysDescr', 'Hikvision company products'],
        ['snmp.oid.1.3.6.1.4.1.50001.1.100.0', '1'],
      ]),
    ).toBe('dvr');
    expect(
      type([
        ['dhip.Vendor', 'Dahua'],
        ['dhip.DeviceType', 'XVR5108HS-4KL-I2'],
      ]),
    ).toBe('dvr');
  });
});

describe('look-alikes never name a covered maker', () => {
  const cases: [string, string][] = [
    ['mac.oui.org', 'Shanghai Dahua Scale Factory'],
    ['mac.oui.org', 'ZHEJIANG HIKAILINK TECHNOLOGY Co., Ltd'],
    ['mac.oui.org', 'Teltronic AG'],
    ['mac.oui.org', 'Honor Device Co., Ltd.'],
    ['http.header.server', 'Hipcam'],
    ['http.header.server', 'Linux/2.x UPnP/1.0 Avtech/1.0'],
    ['http.html.title', 'Room Alert 12E'],
    ['snmp.sysDescr', 'Aztec gateway v2'],
    ['http.html.title', 'TiVo DVR'],
    ['onvif.types', 'wsdp:Device pub:Computer'],
  ];
  for (const [key, value] of cases) {
    it(`${key} = ${value}`, () => {
      const m = identifier().identify(obs([[key, value]])).identity.manufacturer;
      expect([
        'hikvision',
        'dahua',
        'huawei',
        'zte',
        'hytera',
        'ezviz',
        'hisilicon',
        'teltronic',
      ]).not.toContain(m);
    });
  }
});

describe('hostile input', () => {
  it('a 1 MB body and control characters do not crash or stall', () => {
    const big = `${'<a>'.repeat(350_000)}\u0000\u001b[31m`;
    const cpu = cpuMillis(() => {
      const { identity } = identifier().identify(
        obs([
          ['http.body', big],
          ['http.header.server', '\u001b]0;x\u0007App-webs/'],
        ]),
      );
      expect(identity.manufacturer).toBeNull();
    });
    expect(cpu).toBeLessThan(2000);
  });
  it('unknown keys and non-string values are ignored', () => {
    const odd = [{ host: 'h', key: 'http.header.x-a', value: 7 as unknown as string, probe: 'http', at: '' }];
    expect(identifier().identify(odd).identity.manufacturer).toBeNull();
  });
});

describe('loading', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  it('version is a content hash: stable for the same files, different when one changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-sig-'));
    dirs.push(dir);
    cpSync(SIGNATURES_DIR, dir, { recursive: true });
    const a = loadIdentifier({ signaturesDir: dir }).version;
    expect(loadIdentifier({ signaturesDir: dir }).version).toBe(a);
    const file = join(dir, 'fingerprints', 'http.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n# changed\n`);
    expect(loadIdentifier({ signaturesDir: dir }).version).not.toBe(a);
  });
  it('refuses broken signature data with E_SIGNATURES naming file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-sig-'));
    dirs.push(dir);
    cpSync(SIGNATURES_DIR, dir, { recursive: true });
    writeFileSync(
      join(dir, 'fingerprints', 'broken.yaml'),
      '- id: x\n  key: http.header.server\n  pattern: "("\n',
    );
    let caught: unknown;
    try {
      loadIdentifier({ signaturesDir: dir });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CamsweepError);
    expect((caught as CamsweepError).code).toBe('E_SIGNATURES');
    expect((caught as Error).message).toMatch(/broken\.yaml:3: pattern: /);
  });
});
