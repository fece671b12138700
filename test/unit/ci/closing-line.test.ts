/**
 * `npm test`'s closing line must not be green when a file broke before its tests ran: runs a
 * real vitest over test/fixtures/closing-line (a beforeAll that throws, an import that throws,
 * an unhandled error, a pass, two skips) with the tally reporter, then checks the report and
 * the CI allow-list of skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closingReport, parseAllowList, readAllowList } from '../../helpers/closing-line.mjs';

const ROOT = join(import.meta.dirname, '../../..');
const CASES = join(ROOT, 'test/fixtures/closing-line');
const work = mkdtempSync(join(tmpdir(), 'camsweep-tally-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runCases() {
  const tallyFile = join(work, 'tally.json');
  const r = spawnSync(
    join(ROOT, 'node_modules/.bin/vitest'),
    ['run', '--root', CASES, `--reporter=${join(ROOT, 'test/helpers/tally-reporter.ts')}`],
    {
      cwd: CASES,
      env: { ...process.env, CAMSWEEP_TEST_TALLY: tallyFile },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(r.status).toBe(1);
  return JSON.parse(readFileSync(tallyFile, 'utf8'));
}

const noAllowList = { entries: [], problems: [] };

describe('closing line', () => {
  const tally = runCases();

  it('counts tests stopped by a beforeAll, a file that fails to load and an unhandled error as failed', () => {
    const report = closingReport(tally, noAllowList, { inCI: false });
    expect(report.text).toMatch(/\n2 passed, 4 failed, 2 skipped\n$/);
    expect(report.ok).toBe(false);
    expect(report.text).toContain(
      'FAILED  describe-before-all.case.ts > a suite whose beforeAll throws > would check one thing: did not run: database did not start',
    );
    expect(report.text).toContain('FAILED  import-throws.case.ts > (file set-up): fixture file is missing');
    expect(report.text).toContain('FAILED  (outside any test) > unhandled error: late socket error');
  });

  it('prints why each test skipped, and in CI fails on a skip the allow-list does not name', () => {
    const report = closingReport({ ...tally, failed: [] }, noAllowList, { inCI: true });
    expect(report.ok).toBe(false);
    expect(report.text).toContain(
      'skipped pass-skip-unhandled.case.ts > skips itself with a reason: needs a printer [not on test/allowed-skips.txt]',
    );
    expect(report.text).toContain('2 test(s) skipped in CI that test/allowed-skips.txt does not allow');
    expect(report.text).toMatch(/\n2 passed, 0 failed, 2 skipped\n$/);
  });

  it('passes in CI when every skip is allowed, printing the allow-list reason', () => {
    const allow = parseAllowList(
      [
        '# comment',
        'pass-skip-unhandled.case.ts :: is skipped on purpose :: shows an allowed skip',
        'pass-skip-unhandled.case.ts :: skips itself* :: prefix match',
      ].join('\n'),
    );
    const report = closingReport({ ...tally, failed: [] }, allow, { inCI: true });
    expect(report.text).toContain(
      'skipped pass-skip-unhandled.case.ts > is skipped on purpose: shows an allowed skip',
    );
    expect(report.ok).toBe(true);
  });

  it('rejects an allow-list line without a reason, and a run where no test ran', () => {
    const bad = parseAllowList('a.test.ts :: some test\n', 'allowed');
    expect(bad.problems).toEqual([
      'allowed:1: expected "FILE :: TEST NAME :: WHY", got: a.test.ts :: some test',
    ]);
    expect(closingReport({ passed: 0, failed: [], skipped: [] }, noAllowList, { inCI: false }).ok).toBe(
      false,
    );
  });

  it('the shipped allow-list is well formed', () => {
    expect(readAllowList(join(ROOT, 'test/allowed-skips.txt')).problems).toEqual([]);
  });
});
