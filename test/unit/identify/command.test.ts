import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../agent/commands/identify.js';
import { PACKAGE_ROOT } from '../../../src/core/version.js';
import { fakeIO } from './helpers.js';

interface DeviceLine {
  host: string;
  identity: Record<string, unknown> & {
    manufacturer: string | null;
    brand: string | null;
    model: string | null;
  };
  verdict: string;
  findings: { rule: string }[];
  evidence: Record<string, unknown>[];
}

const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DeviceLine);

describe('camsweep identify', () => {
  it('fuses lines per host and writes one device line per host, in first-seen order', async () => {
    const input = [
      { host: '10.0.0.2', key: 'http.header.server', value: 'App-webs/', port: 80, probe: 'http' },
      { host: '10.0.0.3', key: 'mac.oui.org', value: 'Axis Communications AB' },
      { host: '10.0.0.2', key: 'sadp.DeviceSN', value: 'DS-2CD2385G1-I20200414AAWRE33842150' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const f = fakeIO(`${input}\n`);
    expect(await run(['--at', '2026-06-30'], f.io)).toBe(0);
    const out = lines(f.stdout());
    expect(out.map((d) => d.host)).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(Object.keys(out[0]!)).toEqual(['host', 'identity', 'verdict', 'findings', 'evidence']);
    expect(out[0]!.identity).toMatchObject({ manufacturer: 'hikvision', model: 'DS-2CD2385G1-I' });
    expect(out[0]!.evidence[0]).toMatchObject({
      probe: 'http',
      port: 80,
      signature: 'hikvision-http-server',
    });
    expect(out[1]!.identity.manufacturer).toBe('axis');
  });

  it('reports each malformed line with its number and why, and exits non-zero', async () => {
    const f = fakeIO(
      [
        '{"host":"h","key":"http.header.server","value":"App-webs/"}',
        'not json',
        '{"host":"h","key":"no.such.key","value":"x"}',
        '{"key":"http.status","value":"200"}',
        '{"host":"h","key":"http.status","value":{"a":1}}',
        '{"host":"h","key":"http.status","value":"200","port":70000}',
        '',
        '[1,2]',
      ].join('\n'),
    );
    expect(await run([], f.io)).toBe(2);
    const err = f.stderr();
    expect(err).toMatch(/^line 2: not JSON/m);
    expect(err).toMatch(/^line 3: "key" "no.such.key" is not an observation key/m);
    expect(err).toMatch(/^line 4: "host" must be/m);
    expect(err).toMatch(/^line 5: "value" must be a string or number/m);
    expect(err).toMatch(/^line 6: "port" must be an integer/m);
    expect(err).toMatch(/^line 8: expected a JSON object/m);
    expect(err).not.toMatch(/^line 7:/m);
    // The good line is still identified.
    expect(lines(f.stdout())[0]!.identity.manufacturer).toBe('hikvision');
  });

  it('reports an over-long line instead of buffering it', async () => {
    const f = fakeIO(
      `{"host":"h","key":"http.body","value":"${'a'.repeat(600_000)}"}\n{"host":"h","key":"http.status","value":"200"}\n`,
    );
    expect(await run([], f.io)).toBe(2);
    expect(f.stderr()).toMatch(/^line 1: longer than/m);
    expect(lines(f.stdout())).toHaveLength(1);
  });

  it('rejects a bad --at date as a usage error', async () => {
    await expect(run(['--at', 'yesterday'], fakeIO('').io)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('lab fixtures: saved observations give the expected identity', () => {
  const root = join(PACKAGE_ROOT, 'test', 'fixtures', 'devices');
  const fixtures = existsSync(root)
    ? readdirSync(root).filter(
        (d) => existsSync(join(root, d, 'observations.jsonl')) && existsSync(join(root, d, 'expected.json')),
      )
    : [];
  it('has fixtures to check', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(4);
  });
  for (const name of fixtures) {
    it(name, async () => {
      const expected = JSON.parse(readFileSync(join(root, name, 'expected.json'), 'utf8'));
      const f = fakeIO(readFileSync(join(root, name, 'observations.jsonl'), 'utf8'));
      expect(await run([], f.io)).toBe(0);
      const out = lines(f.stdout());
      expect(out).toHaveLength(1);
      const got = out[0]!;
      expect(got.identity.manufacturer).toBe(expected.identity.manufacturer);
      expect(got.identity.brand).toBe(expected.identity.brand ?? null);
      expect(got.identity.deviceType).toBe(expected.identity.deviceType);
      if (expected.identity.model)
        expect(String(got.identity.model).toLowerCase()).toBe(expected.identity.model.toLowerCase());
      if (expected.verdict) expect(got.verdict).toBe(expected.verdict);
      for (const rule of expected.rules ?? [])
        expect(got.findings.map((x: { rule: string }) => x.rule)).toContain(rule);
      if (expected.rules?.length === 0) expect(got.findings).toEqual([]);
    });
  }
});
