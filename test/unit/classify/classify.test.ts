import { describe, expect, it } from 'vitest';
import { checkReport } from '../../../src/contract/report-schema.js';
import {
  type ClassifyResult,
  type Evidence,
  type Identity,
  UNKNOWN_IDENTITY,
  type Verdict,
} from '../../../src/contract/types.js';
import { CamsweepError } from '../../../src/core/errors.js';
import { loadClassifier } from '../../../src/knowledge/classify/index.js';

const SCAN = new Date('2026-08-26T10:00:00Z');

const identity = (fields: Partial<Identity>): Identity => ({
  ...UNKNOWN_IDENTITY,
  confidence: 0.95,
  ...fields,
});

// What a probe plus signature match looks like, and what a bare ARP/OUI lookup looks like.
const banner: Evidence[] = [
  {
    probe: 'http',
    key: 'http.header.server',
    value: 'App-webs/',
    port: 80,
    signature: 'hikvision-http-server',
  },
];
const ouiOnly: Evidence[] = [
  {
    probe: 'arp',
    key: 'mac.oui.org',
    value: 'Hangzhou Hikvision Digital Technology Co.,Ltd.',
    signature: 'oui-hikvision',
  },
];

const LOCAL = ['us-2cfr-200-216', 'us-2cfr-200-471', 'us-ndaa-889-b', 'us-fcc-covered-list'];
const CONTRACTOR_889 = ['us-ndaa-889-a1a', 'us-ndaa-889-a1b', 'us-far-52-204-25', 'us-fcc-covered-list'];

interface Expectation {
  readonly verdict: Verdict;
  /** Rule ids of findings with status `applies`, in profile order. */
  readonly applies: readonly string[];
  readonly upcoming?: readonly string[];
  /** Text every applying finding's basis must contain. */
  readonly basis?: RegExp;
}

interface Case {
  readonly name: string;
  readonly identity: Identity;
  readonly evidence?: readonly Evidence[];
  readonly at?: Date;
  readonly profiles: Readonly<Record<string, Expectation>>;
}

const cases: readonly Case[] = [
  {
    name: 'Hikvision camera',
    identity: identity({
      manufacturer: 'hikvision',
      deviceType: 'camera',
      model: 'DS-2CD2143G2-I',
      confidence: 0.97,
    }),
    profiles: {
      'us-local-government': { verdict: 'covered', applies: LOCAL, basis: /^manufacturer hikvision/ },
      'us-federal-contractor': { verdict: 'covered', applies: [...CONTRACTOR_889, 'us-dod-1260h'] },
      'uk-public-sector': { verdict: 'covered', applies: ['uk-wms-2022'], basis: /hikvision is based in CN/ },
      'ca-government': { verdict: 'covered', applies: ['ca-hikvision-2025'] },
    },
  },
  {
    name: 'EZVIZ camera (Hikvision subsidiary)',
    identity: identity({ manufacturer: 'ezviz', deviceType: 'camera', confidence: 0.92 }),
    profiles: {
      'us-local-government': {
        verdict: 'covered',
        applies: LOCAL,
        basis: /manufacturer ezviz; ezviz is a subsidiary of hikvision/,
      },
      'ca-government': { verdict: 'covered', applies: ['ca-hikvision-2025'] },
      // Only named entities count for the Entity List and NS-CMIC; EZVIZ is not named.
      'us-all-lists': {
        verdict: 'covered',
        applies: [
          ...CONTRACTOR_889,
          'us-dod-1260h',
          'us-2cfr-200-216',
          'us-2cfr-200-471',
          'us-ndaa-889-b',
          'us-fcc-22-84',
          'us-fcc-25-71',
          'us-fcc-25-71-legacy-2026',
        ],
      },
    },
  },
  {
    name: 'ANNKE-badged camera whose firmware shows Hikvision made it',
    identity: identity({ manufacturer: 'hikvision', brand: 'annke', deviceType: 'camera', confidence: 0.9 }),
    profiles: {
      'us-local-government': {
        verdict: 'covered',
        applies: LOCAL,
        basis: /^manufacturer hikvision; brand annke is OEM-produced by hikvision/,
      },
      'au-government': { verdict: 'covered', applies: ['au-defence-2023'] },
      'uk-public-sector': { verdict: 'covered', applies: ['uk-wms-2022'] },
    },
  },
  {
    name: 'ANNKE badge only: model-specific OEM, maker not read from firmware',
    identity: identity({ brand: 'annke', deviceType: 'camera', confidence: 0.9 }),
    profiles: {
      'us-local-government': {
        verdict: 'suspect',
        applies: LOCAL,
        basis: /some annke models are OEM-produced by hikvision.*unconfirmed/,
      },
      'ca-government': { verdict: 'suspect', applies: ['ca-hikvision-2025'] },
      // Maine's list names Dahua and Huawei, so only the local-government rules reach it.
      'us-state-me': { verdict: 'suspect', applies: LOCAL },
    },
  },
  {
    name: 'Lorex camera scanned in 2022, while Lorex was a Dahua subsidiary',
    identity: identity({ manufacturer: 'lorex', deviceType: 'camera', confidence: 0.9 }),
    at: new Date('2022-06-01T00:00:00Z'),
    profiles: {
      'us-local-government': {
        verdict: 'covered',
        applies: LOCAL,
        basis: /lorex was a dahua subsidiary \(2018-02 to 2023-12\), including on the scan date/,
      },
      'us-state-la': { verdict: 'covered', applies: [...LOCAL, 'us-la-rs-39-1753-1'] },
      'au-government': { verdict: 'not-covered', applies: [], upcoming: ['au-defence-2023'] },
    },
  },
  {
    name: 'Lorex camera scanned in 2026 with firmware built before the sale',
    identity: identity({
      manufacturer: 'lorex',
      deviceType: 'camera',
      firmware: 'V2.800.0000000.12.R, Build Date: 2021-03-04',
      confidence: 0.9,
    }),
    profiles: {
      'us-local-government': {
        verdict: 'covered',
        applies: LOCAL,
        basis: /firmware was built 2021-03-04, inside that period/,
      },
      'us-state-me': { verdict: 'covered', applies: [...LOCAL, 'us-me-ld-877'] },
      'uk-public-sector': { verdict: 'covered', applies: ['uk-wms-2022'] },
    },
  },
  {
    name: 'Lorex camera after the 2023 sale (firmware built 2024)',
    identity: identity({
      manufacturer: 'lorex',
      deviceType: 'camera',
      firmware: 'V2.840.0000000.5.R, Build Date: 2024-05-10',
      confidence: 0.9,
    }),
    profiles: {
      'us-local-government': {
        verdict: 'suspect',
        applies: LOCAL,
        basis:
          /some lorex models are OEM-produced by dahua.*firmware build date 2024-05-10 falls outside that period; unconfirmed/,
      },
      'au-government': { verdict: 'suspect', applies: ['au-defence-2023'] },
      'ca-government': { verdict: 'not-covered', applies: [] },
    },
  },
  {
    name: 'Huawei switch',
    identity: identity({
      manufacturer: 'huawei',
      deviceType: 'network',
      model: 'S5735-L24T4S-A1',
      confidence: 0.95,
    }),
    profiles: {
      'us-local-government': { verdict: 'covered', applies: LOCAL },
      'us-federal-contractor': { verdict: 'covered', applies: [...CONTRACTOR_889, 'us-dod-1260h'] },
      'uk-public-sector': { verdict: 'not-covered', applies: [] }, // not visual surveillance equipment
      'au-government': { verdict: 'not-covered', applies: [] },
    },
  },
  {
    name: 'ZTE router',
    identity: identity({ manufacturer: 'zte', deviceType: 'network', model: 'ZXHN F670L', confidence: 0.9 }),
    profiles: {
      'us-local-government': { verdict: 'covered', applies: LOCAL },
      'us-federal-contractor': { verdict: 'covered', applies: CONTRACTOR_889 }, // ZTE is not on 1260H (2026)
      'us-all-lists': {
        verdict: 'covered',
        applies: [
          ...CONTRACTOR_889,
          'us-2cfr-200-216',
          'us-2cfr-200-471',
          'us-ndaa-889-b',
          'us-fcc-22-84',
          'us-fcc-25-71',
          'us-fcc-25-71-legacy-2026',
          'us-fcc-covered-list-routers',
        ],
      },
    },
  },
  {
    name: 'Hytera radio',
    identity: identity({ manufacturer: 'hytera', deviceType: 'radio', confidence: 0.9 }),
    profiles: {
      'us-local-government': { verdict: 'covered', applies: LOCAL },
      'us-federal-contractor': { verdict: 'covered', applies: CONTRACTOR_889 },
      'uk-public-sector': { verdict: 'not-covered', applies: [] },
    },
  },
  {
    name: 'Honor phone (divested by Huawei in 2020)',
    identity: identity({
      manufacturer: 'honor',
      deviceType: 'other',
      firmware: 'MagicOS 8.0.0.150',
      confidence: 0.9,
    }),
    profiles: {
      'us-local-government': { verdict: 'not-covered', applies: [] },
      'us-federal-contractor': { verdict: 'not-covered', applies: [] },
      // South Dakota bars IT from Chinese companies, whoever owns them.
      'us-state-sd': { verdict: 'covered', applies: ['us-sd-eo-2023'], basis: /honor is based in CN/ },
    },
  },
  {
    name: 'Axis camera',
    identity: identity({ manufacturer: 'axis', deviceType: 'camera', confidence: 0.95 }),
    profiles: {
      'us-local-government': { verdict: 'not-covered', applies: [] },
      'uk-public-sector': { verdict: 'not-covered', applies: [] },
      'us-state-sd': { verdict: 'not-covered', applies: [] },
    },
  },
  {
    name: 'DJI drone dock (FCC Covered List only)',
    identity: identity({ manufacturer: 'dji', deviceType: 'other', model: 'DJI Dock 2', confidence: 0.9 }),
    profiles: {
      'us-local-government': {
        verdict: 'covered',
        applies: ['us-fcc-covered-list'],
        basis: /^manufacturer dji/,
      },
      'us-federal-contractor': { verdict: 'covered', applies: ['us-fcc-covered-list'] },
      'uk-public-sector': { verdict: 'not-covered', applies: [] },
      'us-state-tn': { verdict: 'covered', applies: ['us-fcc-covered-list', 'us-tn-hb-1070'] },
    },
  },
  {
    name: 'DJI drone dock scanned before the December 2025 listing',
    identity: identity({ manufacturer: 'dji', deviceType: 'other', confidence: 0.9 }),
    at: new Date('2025-06-01T00:00:00Z'),
    profiles: {
      'us-local-government': { verdict: 'not-covered', applies: [], upcoming: ['us-fcc-covered-list'] },
      'us-federal-contractor': { verdict: 'not-covered', applies: [], upcoming: ['us-fcc-covered-list'] },
    },
  },
  {
    name: 'unidentified device',
    identity: identity({ confidence: 0 }),
    evidence: [{ probe: 'tcp', key: 'tcp.open', value: '80' }],
    profiles: {
      'us-local-government': { verdict: 'unknown', applies: [] },
      'uk-public-sector': { verdict: 'unknown', applies: [] },
      'us-state-sd': { verdict: 'unknown', applies: [] },
    },
  },
  {
    name: 'device seen only through a Hikvision OUI',
    identity: identity({ manufacturer: 'hikvision', confidence: 0.4 }),
    evidence: ouiOnly,
    profiles: {
      'us-local-government': {
        verdict: 'suspect',
        applies: LOCAL,
        basis: /confidence 0\.40 is below 0\.80; only a MAC address prefix \(OUI\)/,
      },
      'ca-government': { verdict: 'suspect', applies: ['ca-hikvision-2025'] },
      'uk-public-sector': {
        verdict: 'suspect',
        applies: ['uk-wms-2022'],
        basis: /device type not identified/,
      },
    },
  },
  {
    name: 'Hikvision OUI only, even when identify is over-confident',
    identity: identity({ manufacturer: 'hikvision', confidence: 0.95 }),
    evidence: ouiOnly,
    profiles: {
      'us-local-government': { verdict: 'suspect', applies: LOCAL, basis: /an OUI alone is never enough/ },
      'us-federal-contractor': { verdict: 'suspect', applies: [...CONTRACTOR_889, 'us-dod-1260h'] },
    },
  },
  {
    name: 'Hikvision camera identified at confidence just under the threshold',
    identity: identity({ manufacturer: 'hikvision', deviceType: 'camera', confidence: 0.79 }),
    profiles: {
      'us-local-government': { verdict: 'suspect', applies: LOCAL, basis: /confidence 0\.79 is below 0\.80/ },
      'ca-government': { verdict: 'suspect', applies: ['ca-hikvision-2025'] },
    },
  },
  {
    name: 'Hikvision camera scanned before the 1260H contracting ban',
    identity: identity({ manufacturer: 'hikvision', deviceType: 'camera', confidence: 0.97 }),
    at: new Date('2026-03-01T00:00:00Z'),
    profiles: {
      'us-federal-contractor': { verdict: 'covered', applies: CONTRACTOR_889, upcoming: ['us-dod-1260h'] },
      'ca-government': { verdict: 'covered', applies: ['ca-hikvision-2025'] },
    },
  },
  {
    name: 'Axis reading with a weak alternative pointing at Dahua',
    identity: identity({
      manufacturer: 'axis',
      deviceType: 'camera',
      confidence: 0.55,
      alternatives: [{ manufacturer: 'dahua', confidence: 0.35 }],
    }),
    profiles: {
      'us-local-government': {
        verdict: 'suspect',
        applies: LOCAL,
        basis: /^alternative reading: manufacturer dahua \(confidence 0\.35\)/,
      },
      'ca-government': { verdict: 'not-covered', applies: [] },
    },
  },
];

const classifiers = new Map<string, ReturnType<typeof loadClassifier>>();
function classify(profile: string, c: Case): ClassifyResult {
  let classifier = classifiers.get(profile);
  if (!classifier) {
    classifier = loadClassifier({ profile });
    classifiers.set(profile, classifier);
  }
  return classifier.classify(c.identity, c.evidence ?? banner, c.at ?? SCAN);
}

describe('classification table', () => {
  for (const c of cases) {
    for (const [profile, want] of Object.entries(c.profiles)) {
      it(`${c.name} under ${profile}: ${want.verdict}`, () => {
        const result = classify(profile, c);
        expect(result.verdict).toBe(want.verdict);
        const applies = result.findings.filter((f) => f.status === 'applies');
        expect(applies.map((f) => f.rule)).toEqual(want.applies);
        if (want.upcoming)
          expect(result.findings.filter((f) => f.status === 'upcoming').map((f) => f.rule)).toEqual(
            want.upcoming,
          );
        for (const f of applies) {
          if (want.basis) expect(f.basis).toMatch(want.basis);
          expect(f.title.length).toBeGreaterThan(0);
          expect(f.citation.length).toBeGreaterThan(0);
          expect(f.effective).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          expect(f.source).toMatch(/^https:\/\//);
        }
      });
    }
  }
});

describe('findings fit the report schema', () => {
  it('every case under every profile yields devices a camsweep.report/v1 accepts', () => {
    const profiles = loadClassifier().profiles.filter((p) => p !== 'custom');
    const devices = cases.flatMap((c, i) =>
      profiles.map((profile) => {
        const { verdict, findings } = classify(profile, c);
        return {
          ip: `10.0.${i}.1`,
          mac: null,
          hostnames: [],
          identity: c.identity,
          verdict,
          findings,
          evidence: c.evidence ?? banner,
        };
      }),
    );
    const report = {
      schema: 'camsweep.report/v1',
      reportId: '00000000-0000-4000-8000-000000000000',
      agent: { id: 'a', site: 's', version: '0' },
      scan: {
        startedAt: SCAN.toISOString(),
        finishedAt: SCAN.toISOString(),
        targets: [],
        probes: [],
        rulesVersion: loadClassifier().rulesVersion,
      },
      summary: { hosts: 0, devices: devices.length, covered: 0, suspect: 0, notCovered: 0, unknown: 0 },
      devices,
    };
    expect(checkReport(report)).toEqual([]);
  });
});

describe('classification rules of evidence and dates', () => {
  const hik = identity({ manufacturer: 'hikvision', deviceType: 'camera', confidence: 0.97 });

  it('issues no finding without evidence, so nothing is covered on an identity alone', () => {
    const result = loadClassifier().classify(hik, [], SCAN);
    expect(result).toEqual({ verdict: 'suspect', findings: [] });
  });

  it('gives upcoming findings the date the entry takes effect, not the rule', () => {
    const dji = identity({ manufacturer: 'dji', deviceType: 'other', confidence: 0.9 });
    const [finding] = loadClassifier().classify(dji, banner, new Date('2025-01-01T00:00:00Z')).findings;
    expect(finding).toMatchObject({
      rule: 'us-fcc-covered-list',
      status: 'upcoming',
      effective: '2025-12-22',
    });
  });

  it('notes unverified rule entries in the basis', () => {
    const result = loadClassifier({ profile: 'us-state-md' }).classify(hik, banner, SCAN);
    const md = result.findings.find((f) => f.rule === 'us-md-doit-2022-12-001');
    expect(md?.basis).toMatch(/this entry of the rule is unverified/);
  });

  it('is deterministic and does not mutate its input', () => {
    const frozen = Object.freeze({ ...hik });
    const a = loadClassifier().classify(frozen, banner, SCAN);
    const b = loadClassifier().classify(frozen, banner, SCAN);
    expect(a).toEqual(b);
  });

  it('judges a Lorex unit the same whether read as maker or badge', () => {
    const asMaker = identity({ manufacturer: 'lorex', deviceType: 'camera', confidence: 0.9 });
    const asBadge = identity({ brand: 'lorex', deviceType: 'camera', confidence: 0.9 });
    const at = new Date('2026-08-26T00:00:00Z');
    expect(loadClassifier().classify(asMaker, banner, at).verdict).toBe('suspect');
    expect(loadClassifier().classify(asBadge, banner, at).verdict).toBe('suspect');
  });

  it('keeps a Lorex unit Dahua-made when its firmware says Dahua, whatever the date', () => {
    const dahuaLorex = identity({
      manufacturer: 'dahua',
      brand: 'lorex',
      deviceType: 'camera',
      confidence: 0.9,
    });
    const result = loadClassifier().classify(dahuaLorex, banner, SCAN);
    expect(result.verdict).toBe('covered');
    expect(result.findings[0]?.basis).toMatch(
      /^manufacturer dahua; brand lorex was a dahua subsidiary \(2018-02 to 2023-12\)/,
    );
  });
});

describe('loadClassifier', () => {
  it('lists the profiles and a dated, hashed rules version', () => {
    const c = loadClassifier();
    expect(c.profile).toBe('us-local-government');
    expect(c.rulesVersion).toMatch(/^\d{4}-\d{2}-\d{2}\+[0-9a-f]{12}$/);
    for (const p of [
      'us-local-government',
      'us-federal-contractor',
      'us-state-la',
      'us-state-me',
      'us-state-tx',
      'us-state-vt',
      'us-state-ne',
      'uk-public-sector',
      'au-government',
      'ca-government',
      'custom',
    ])
      expect(c.profiles).toContain(p);
  });

  it('a custom profile uses exactly the configured rules', () => {
    const c = loadClassifier({ profile: 'custom', customRules: ['us-ns-cmic'] });
    const result = c.classify(identity({ manufacturer: 'hikvision', deviceType: 'camera' }), banner, SCAN);
    expect(result.findings.map((f) => f.rule)).toEqual(['us-ns-cmic']);
    expect(result.verdict).toBe('covered');
  });

  it('adds configured rules on top of another profile', () => {
    expect(loadClassifier({ customRules: ['us-ns-cmic'] }).ruleIds).toEqual([...LOCAL, 'us-ns-cmic']);
  });

  it('rejects an unknown profile, an unknown rule id and an empty custom profile with config errors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof CamsweepError ? `${err.code}: ${err.message}` : String(err);
      }
      return 'no error';
    };
    expect(code(() => loadClassifier({ profile: 'us-state-zz' }))).toMatch(
      /^E_CONFIG: unknown rule profile "us-state-zz"/,
    );
    expect(code(() => loadClassifier({ profile: 'custom', customRules: ['us-ndaa-899'] }))).toMatch(
      /^E_CONFIG: unknown rule id\(s\).*us-ndaa-899/,
    );
    expect(code(() => loadClassifier({ profile: 'custom' }))).toMatch(
      /^E_CONFIG: profile "custom" needs rule ids/,
    );
  });
});
