import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../../src/agent/output/csv.js';
import { renderTable } from '../../../src/agent/output/table.js';
import { checkReport } from '../../../src/contract/report-schema.js';
import { sampleReport } from './sample.js';

describe('report schema', () => {
  it('accepts a well-formed report', () => {
    expect(checkReport(sampleReport())).toEqual([]);
  });

  // Validation stops at the first problem (bounded work for any input), so each broken field is
  // named on its own.
  it('names the offending field of a broken report', () => {
    const badIp = structuredClone(sampleReport()) as unknown as {
      devices: { ip: string; verdict: string }[];
    };
    badIp.devices[0]!.ip = '999.1.1.1';
    expect(checkReport(badIp).map((p) => p.field)).toEqual(['/devices/0/ip']);
    const badVerdict = structuredClone(sampleReport()) as unknown as { devices: { verdict: string }[] };
    badVerdict.devices[1]!.verdict = 'banned';
    expect(checkReport(badVerdict).map((p) => p.field)).toEqual(['/devices/1/verdict']);
  });

  it('refuses oversized device strings rather than storing them', () => {
    const big = structuredClone(sampleReport()) as unknown as {
      devices: { evidence: { value: string }[] }[];
    };
    big.devices[1]!.evidence[0]!.value = 'x'.repeat(100_000);
    expect(checkReport(big).map((p) => p.field)).toContain('/devices/1/evidence/0/value');
  });
});

describe('table output', () => {
  const text = renderTable(sampleReport(), { colour: false });

  it('lists covered devices first with their rule and evidence', () => {
    const lines = text.split('\n');
    const hik = lines.findIndex((l) => l.startsWith('10.77.0.10'));
    const axis = lines.findIndex((l) => l.startsWith('10.77.0.20'));
    expect(hik).toBeGreaterThan(0);
    expect(hik).toBeLessThan(axis);
    expect(lines[hik]).toMatch(/covered\s+hikvision \(as annke\)\s+camera/);
    expect(text).toContain('rule: us-2cfr-200-216 — 2 CFR 200.216');
    expect(text).toContain(
      'evidence: http.header.server = "<script>alert(1)</script>" [hikvision-http-server] (http:80/)',
    );
  });

  it('never passes a device control character to the terminal', () => {
    expect(text).not.toContain('\x1b');
    expect(text).toContain('DS-2CD2385G1-I\\x1b[2J');
  });

  it('shows a failed probe rather than hiding it', () => {
    expect(text).toContain('probe http: failed — EACCES');
  });

  it('summarises counts', () => {
    expect(text.split('\n')[0]).toBe(
      'camsweep: 2 devices on 254 addresses — 1 covered, 0 suspect, 1 not covered, 0 unknown',
    );
  });
});

describe('csv output', () => {
  it('has one row per device and neutralises formulas', () => {
    const rows = renderCsv(sampleReport()).trimEnd().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^ip,mac,hostnames,verdict,manufacturer,brand/);
    const hik = rows.find((r) => r.startsWith('10.77.0.10'))!;
    expect(hik).toContain(',covered,hikvision,annke,camera,');
    // The hostname cell starts with "=": a spreadsheet must see text, not a formula.
    expect(hik).toContain(",'=cmd|calc,");
    expect(hik).not.toMatch(/,=cmd/);
  });
});

describe('table footer: rules as of and firmware risk', () => {
  it('shows the rules as-of date, and warns once the rules are over 180 days older than the scan', () => {
    const fresh = sampleReport();
    expect(renderTable(fresh, { colour: false })).toMatch(
      /rules as of 2026-11-01; rules version 2026-11-01\+abc123\n$/,
    );
    const old = {
      ...fresh,
      scan: { ...fresh.scan, rulesVersion: '2025-01-01+abc123', rulesAsOf: '2025-01-01' },
    };
    expect(renderTable(old, { colour: false })).toMatch(/rules as of 2025-01-01 — WARNING: \d+ days old/);
  });

  it('lists firmware risk apart from the verdict, with KEV flag and fixed version', () => {
    const r = sampleReport();
    const risky = {
      ...r,
      devices: r.devices.map((d, i) =>
        i === 0
          ? {
              ...d,
              risks: [
                {
                  advisory: 'hikvision-cve-2021-36260',
                  cve: 'CVE-2021-36260',
                  title: 'Hikvision web server command injection',
                  kev: true,
                  certainty: 'possible' as const,
                  fixed: 'V5.5.800 build 210628',
                  basis: 'firmware "V5.5.0 build 200101"',
                  source: 'https://www.hikvision.com/',
                },
              ],
            }
          : d,
      ),
    };
    expect(checkReport(risky)).toEqual([]);
    expect(renderTable(risky, { colour: false })).toMatch(
      /Firmware risk \(from reported firmware strings; nothing was sent to test it\):\n {2}\S+ {2}CVE-2021-36260 \[KEV\] possible — fixed in: V5\.5\.800 build 210628/,
    );
  });
});
