import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIGNATURES_DIR } from '../../../src/core/version.js';
import { verifyRules } from '../../../src/knowledge/classify/verify.js';
import { formatProblem } from '../../../src/knowledge/signatures/problem.js';

describe('verifyRules on the shipped rule data', () => {
  it('finds no problem: every example is caught and no counterexample is', () => {
    expect(verifyRules().map(formatProblem)).toEqual([]);
  });
});

describe('verifyRules on broken rule data', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A private copy of signatures/ with one rule file's text edited. */
  function brokenCopy(file: string, edit: (text: string) => string): string {
    dir = mkdtempSync(join(tmpdir(), 'camsweep-rules-'));
    cpSync(join(SIGNATURES_DIR, 'vocabulary'), join(dir, 'vocabulary'), { recursive: true });
    cpSync(join(SIGNATURES_DIR, 'rules'), join(dir, 'rules'), { recursive: true });
    const path = join(dir, 'rules', file);
    writeFileSync(path, edit(readFileSync(path, 'utf8')));
    return join(dir, 'rules');
  }

  const problemsFor = (file: string, edit: (t: string) => string) =>
    verifyRules({ rulesDir: brokenCopy(file, edit) }).map(formatProblem);

  it('reports a counterexample that the rule catches, at its line', () => {
    const problems = problemsFor('ca-hikvision-2025.yaml', (t) =>
      t.replace(
        'identity: { manufacturer: dahua, deviceType: camera, confidence: 0.93 }',
        'identity: { manufacturer: ezviz, deviceType: camera, confidence: 0.93 }',
      ),
    );
    expect(problems).toHaveLength(1);
    const match =
      /ca-hikvision-2025\.yaml:(\d+): counterexamples\[0\].*is caught \(covered\): manufacturer ezviz; ezviz is a subsidiary of hikvision/.exec(
        problems[0] ?? '',
      );
    expect(match).not.toBeNull();
    const line = Number(match?.[1]);
    const text = readFileSync(join(dir, 'rules', 'ca-hikvision-2025.yaml'), 'utf8').split('\n');
    expect(text[line - 1]).toContain('Dahua camera (the order names Hikvision only)');
  });

  it('reports an example that is not caught', () => {
    const problems = problemsFor('au-defence-2023.yaml', (t) =>
      t.replace('{ manufacturer: dahua, deviceType: camera', '{ manufacturer: axis, deviceType: camera'),
    );
    expect(problems.join('\n')).toMatch(
      /examples\[0\] "Dahua camera on a Defence site": expected verdict covered, got not-covered/,
    );
  });

  it('reports unknown vocabulary ids, impossible dates and unknown keys', () => {
    const problems = problemsFor('us-ne-eo-2023.yaml', (t) =>
      t
        .replace('effective: 2023-03-02', 'effective: 2023-02-30')
        .replace('{ entity: zte,', '{ entity: zte-corp,')
        .replace('verified: true', 'verified: true\n  colour: red'),
    );
    const all = problems.join('\n');
    expect(all).toMatch(/must NOT have additional properties "colour"/);
    // Shape errors stop the entry, so fix the key and look again for the rest.
    const again = problemsFor('us-ne-eo-2023.yaml', (t) =>
      t
        .replace('effective: 2023-03-02', 'effective: 2023-02-30')
        .replace('{ entity: zte,', '{ entity: zte-corp,'),
    ).join('\n');
    expect(again).toMatch(/us-ne-eo-2023\.yaml:\d+: effective: 2023-02-30 is not a calendar date/);
    expect(again).toMatch(/covers\.1\.entity: "zte-corp" is not a manufacturer id/);
  });

  it('refuses verified: true on a rule whose data docs/regulations.md marks unverified', () => {
    const problems = problemsFor('us-me-ld-877.yaml', (t) => t.replace('verified: false', 'verified: true'));
    expect(problems.join('\n')).toMatch(/verified: true, but `unverified` lists facts/);
  });

  it('reports a profile naming a rule that does not exist', () => {
    const problems = problemsFor('profiles.yaml', (t) =>
      t.replace('rules: [us-vt-ads-2019]', 'rules: [us-vt-ads-2018]'),
    );
    expect(problems.join('\n')).toMatch(/profiles\.yaml:\d+: rules: "us-vt-ads-2018" is not a rule id/);
  });
});
