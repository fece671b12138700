import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../agent/commands/explain.js';
import type { CommandIO } from '../../../agent/commands/io.js';
import { checkReport } from '../../../src/contract/report-schema.js';
import { CamsweepError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/log.js';
import { normaliseMac } from '../../../src/core/mac.js';

const REPORT = join(import.meta.dirname, 'fixtures', 'hikvision-camera.report.json');
const scratch = mkdtempSync(join(tmpdir(), 'camsweep-explain-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function explain(argv: string[], stdin = ''): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const io: CommandIO = {
    stdin: Readable.from([stdin]),
    stdout,
    stderr: new PassThrough(),
    isTTY: false,
    log: silentLogger,
    env: {},
    signal: new AbortController().signal,
  };
  const code = await run(argv, io);
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

async function failure(argv: string[]): Promise<CamsweepError> {
  try {
    await explain(argv);
  } catch (err) {
    if (err instanceof CamsweepError) return err;
    throw err;
  }
  throw new Error('expected explain to fail');
}

describe('camsweep explain on a saved report of a Hikvision camera', () => {
  it('the fixture is a valid camsweep.report/v1 report', async () => {
    const { readFileSync } = await import('node:fs');
    expect(checkReport(JSON.parse(readFileSync(REPORT, 'utf8')))).toEqual([]);
  });

  it('prints the chain rule → identity → signatures → observations → probe, in that order', async () => {
    const { code, out } = await explain(['--report', REPORT, '10.20.0.21']);
    expect(code).toBe(0);
    expect(out).toContain('Verdict: COVERED');
    const order = [
      'us-2cfr-200-216  (applies since 2020-08-13)',
      'basis:     manufacturer hikvision',
      'manufacturer  hikvision',
      'signature hikvision-http-server',
      'http.header.server = "App-webs/"',
      'probe http, port 80, path /, seen 2026-08-26T14:02:13.120Z',
      'http     2 observation(s) of this host, 2 used as evidence; probe ok for the scan',
    ];
    const positions = order.map((s) => out.indexOf(s));
    expect(
      positions.every((p) => p >= 0),
      `missing: ${order.filter((_, i) => positions[i] === -1).join(' | ')}`,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const rule of ['us-2cfr-200-471', 'us-ndaa-889-b', 'us-fcc-covered-list'])
      expect(out).toContain(rule);
    expect(out).toContain('Profile us-local-government');
    expect(out).toContain('(no signature: shown for context)');
    expect(out).toContain('Host names lobby-cam-1.cityhall.example');
    // Caveats from the rule data: 200.216's 2024 wording is [M] in docs/regulations.md.
    expect(out).toMatch(/us-2cfr-200-216[\s\S]*?checked: {3}partly unverified: page cite 85 FR 49506/);
  });

  it('neutralises terminal escapes and bidi controls in device strings', async () => {
    const { out } = await explain(['--report', REPORT, '10.20.0.21']);
    expect(out).not.toMatch(/[\u001b\u202e]/);
    expect(out).toContain('Login \\x1b[31mred\\x1b[0m \\u202eevil');
  });

  it('finds the device by MAC in any spelling and by serial, case-insensitively', async () => {
    const byIp = (await explain(['--report', REPORT, '10.20.0.21'])).out;
    for (const selector of [
      '44:19:b6:01:02:03',
      '44-19-B6-01-02-03',
      '4419.b601.0203',
      '4419B6010203',
      'ds-2cd2143g2-i20220315aawrj12345678',
    ])
      expect((await explain(['-r', REPORT, selector])).out).toBe(byIp);
  });

  it('says why a device has no finding', async () => {
    expect((await explain(['--report', REPORT, '10.20.0.40'])).out).toMatch(
      /Verdict: NOT-COVERED[\s\S]*none — identified as axis, which no rule of us-local-government reaches/,
    );
    expect((await explain(['--report', REPORT, '10.20.0.99'])).out).toMatch(
      /Verdict: UNKNOWN[\s\S]*none — not identified/,
    );
  });

  it('warns when the report was judged under other rule data than is installed now', async () => {
    const { readFileSync } = await import('node:fs');
    const old = JSON.parse(readFileSync(REPORT, 'utf8'));
    old.scan.rulesVersion = '2025-01-01+000000000000';
    const { out } = await explain(['--report', '-', '10.20.0.21'], JSON.stringify(old));
    expect(out).toMatch(
      /rules 2025-01-01\+000000000000 {2}\(rule data installed now: \d{4}-\d{2}-\d{2}\+[0-9a-f]{12}; a rescan may judge differently\)/,
    );
  });

  it('reads the report from stdin with --report -', async () => {
    const { readFileSync } = await import('node:fs');
    const { out } = await explain(['--report', '-', '10.20.0.21'], readFileSync(REPORT, 'utf8'));
    expect(out).toContain('Verdict: COVERED');
  });

  it('fails clearly when the report is missing, not JSON, or not a report', async () => {
    const missing = await failure(['--report', join(scratch, 'nope.json'), '10.20.0.21']);
    expect(missing.code).toBe('E_INPUT');
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toMatch(/report file ".*nope\.json" not found/);

    const garbage = join(scratch, 'garbage.json');
    writeFileSync(garbage, '{"schema": "camsweep.report/v1", devices: [');
    expect((await failure(['--report', garbage, '10.20.0.21'])).message).toMatch(/is not JSON/);

    const other = join(scratch, 'other.json');
    writeFileSync(other, JSON.stringify({ schema: 'something/else', devices: [] }));
    expect((await failure(['--report', other, '10.20.0.21'])).message).toMatch(
      /is not a camsweep\.report\/v1 report/,
    );
  });

  it('fails clearly when no device matches, without echoing control characters', async () => {
    const err = await failure(['--report', REPORT, '10.20.0.77\u001b[2J']);
    expect(err.code).toBe('E_INPUT');
    expect(err.message).toMatch(
      /no device matching "10\.20\.0\.77\\x1b\[2J" in ".*hikvision-camera\.report\.json" \(3 devices\)/,
    );
    expect(err.fix).toMatch(/IP address, a MAC/);
  });

  it('rejects a missing --report or device with a usage error, and prints help', async () => {
    expect((await failure(['10.20.0.21'])).code).toBe('E_USAGE');
    expect((await failure(['--report', REPORT])).code).toBe('E_USAGE');
    expect((await failure(['--report', REPORT, 'a', 'b'])).code).toBe('E_USAGE');
    expect((await failure(['--bogus'])).code).toBe('E_USAGE');
    const help = await explain(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: camsweep explain --report FILE DEVICE/);
  });
});

describe('normaliseMac', () => {
  it('accepts the common spellings and rejects look-alikes', () => {
    expect(normaliseMac('44-19-B6-01-02-03')).toBe('44:19:b6:01:02:03');
    expect(normaliseMac('4419.b601.0203')).toBe('44:19:b6:01:02:03');
    for (const bad of ['44:19:b6:01:02', '44:19-b6:01:02:03', '10.20.0.21', '4419b601020g', ''])
      expect(normaliseMac(bad)).toBeNull();
  });
});
