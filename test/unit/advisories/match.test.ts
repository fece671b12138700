import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Identity, UNKNOWN_IDENTITY } from '../../../src/contract/types.js';
import { SIGNATURES_DIR } from '../../../src/core/version.js';
import { compareVersions, firmwareVersion } from '../../../src/knowledge/advisories/firmware-version.js';
import { loadRiskAssessor } from '../../../src/knowledge/advisories/index.js';
import { verifyAdvisories } from '../../../src/knowledge/advisories/verify.js';
import { cpuMillis } from '../../helpers/cpu-time.js';

const AT = new Date('2026-12-07T00:00:00Z');
const assessor = loadRiskAssessor();
const device = (over: Partial<Identity>): Identity => ({ ...UNKNOWN_IDENTITY, confidence: 0.95, ...over });
const cves = (over: Partial<Identity>) => assessor.risks(device(over), AT).map((r) => r.cve);

describe('firmware versions', () => {
  it.each([
    ['V5.4.0 build 160530', [5, 4, 0]],
    ['V2.800.0000000.25.R, Build Date: 2021-06-02', [2, 800, 0, 25]],
    ['3.0.3_20201113_RELEASE(HIK)', [3, 0, 3]],
    ['no digits here', null],
  ])('reads %s', (text, want) => {
    expect(firmwareVersion(text)).toEqual(want);
  });

  it('compares part by part, so 5.4.41 comes after 5.4.5 and 5.4 equals 5.4.0', () => {
    expect(compareVersions([5, 4, 41], [5, 4, 5])).toBeGreaterThan(0);
    expect(compareVersions([5, 4], [5, 4, 0])).toBe(0);
    expect(compareVersions([5, 3, 9], [5, 4, 0])).toBeLessThan(0);
  });
});

describe('advisory matching at the range edges', () => {
  const hik = { manufacturer: 'hikvision', model: 'DS-2CD2032F-I', deviceType: 'camera' } as const;

  it('CVE-2017-7921: the first and last affected builds match, the days either side do not', () => {
    expect(cves({ ...hik, firmware: 'V5.2.0 build 140721' })).toContain('CVE-2017-7921');
    expect(cves({ ...hik, firmware: 'V5.4.0 build 160530' })).toContain('CVE-2017-7921');
    expect(cves({ ...hik, firmware: 'V5.2.0 build 140720' })).not.toContain('CVE-2017-7921');
    expect(cves({ ...hik, firmware: 'V5.4.0 build 160531' })).not.toContain('CVE-2017-7921');
    expect(cves({ ...hik, firmware: 'V5.4.41 build 170312' })).not.toContain('CVE-2017-7921');
  });

  it('CVE-2021-36260: the day before the fixed builds is possible exposure, the fixed day is not', () => {
    const before = assessor.risks(device({ ...hik, firmware: 'V5.5.160 build 210627' }), AT);
    const hit = before.find((r) => r.cve === 'CVE-2021-36260');
    expect(hit).toMatchObject({ kev: true, certainty: 'possible' });
    expect(hit?.fixed).toMatch(/210628/);
    expect(cves({ ...hik, firmware: 'V5.5.800 build 210628' })).not.toContain('CVE-2021-36260');
  });

  it('Dahua month-precision ranges: 31 May 2021 matches, 1 June 2021 does not', () => {
    const dahua = { manufacturer: 'dahua', model: 'IPC-HFW3441T-ZS', deviceType: 'camera' } as const;
    expect(cves({ ...dahua, firmware: 'V2.800.0000000.25.R, Build Date: 2021-05-31' })).toContain(
      'CVE-2021-33044',
    );
    expect(cves({ ...dahua, firmware: 'V2.800.0000000.25.R, Build Date: 2021-06-01' })).not.toContain(
      'CVE-2021-33044',
    );
    expect(cves({ ...dahua, firmware: 'V2.800.0000000.25.R, Build Date: 2020-04-30' })).toEqual([
      'CVE-2021-33044',
      'CVE-2021-33045',
    ]);
  });

  it('claims nothing when the firmware cannot answer: no build date, no firmware, unknown maker', () => {
    expect(cves({ ...hik, firmware: 'V5.3.0' })).toEqual([]);
    expect(cves({ ...hik, firmware: null })).toEqual([]);
    expect(cves({ ...hik, manufacturer: null, firmware: 'V5.3.0 build 150101' })).toEqual([]);
  });

  it('a model-specific range never matches a device whose model is unknown', () => {
    expect(cves({ manufacturer: 'hikvision', model: null, firmware: 'V5.3.0 build 150101' })).not.toContain(
      'CVE-2017-7921',
    );
  });

  it('reads only the head of a hostile, oversized firmware string', () => {
    const hostile = `${'9.'.repeat(400_000)} build 160101`;
    const cpu = cpuMillis(() => {
      expect(cves({ ...hik, firmware: hostile })).toEqual([]);
    });
    expect(cpu).toBeLessThan(1000);
  });
});

describe('camsweep verify on the advisories', () => {
  it('passes on the shipped data', () => {
    expect(verifyAdvisories().problems).toEqual([]);
  });

  it('reports a counterexample that the range catches, with its file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-adv-'));
    cpSync(join(SIGNATURES_DIR, 'vocabulary'), join(dir, 'vocabulary'), { recursive: true });
    const text = readFileSync(join(SIGNATURES_DIR, 'advisories', 'hikvision.yaml'), 'utf8').replace(
      'firmware: V5.4.0 build 160531 }',
      'firmware: V5.4.0 build 160530 }',
    );
    cpSync(join(SIGNATURES_DIR, 'advisories'), join(dir, 'advisories'), { recursive: true });
    writeFileSync(join(dir, 'advisories', 'hikvision.yaml'), text);
    const { problems } = verifyAdvisories(join(dir, 'advisories'));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/counterexample "one day after the last affected build" is matched/);
    expect(problems[0]?.line).toBeGreaterThan(1);
  });
});
