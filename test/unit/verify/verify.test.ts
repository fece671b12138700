import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../../agent/commands/verify.js';
import { SIGNATURES_DIR } from '../../../src/core/version.js';
import { verifySignatures } from '../../../src/knowledge/verify/signatures.js';
import { fakeIO } from '../identify/helpers.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A private copy of the real signatures, for breaking. */
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-verify-'));
  dirs.push(dir);
  cpSync(SIGNATURES_DIR, join(dir, 'signatures'), { recursive: true });
  return join(dir, 'signatures');
}

function addFile(dir: string, name: string, text: string): string {
  const path = join(dir, 'fingerprints', name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `- id: test-entry
  key: http.header.server
  pattern: '^TestServer/(?<firmware>\\d+)$'
  case: sensitive
  manufacturer: axis
  weight: medium
  source: test
  examples:
    - { key: http.header.server, value: TestServer/2, firmware: '2' }
  counterexamples:
    - { key: http.header.server, value: TestServer }
`;

const messages = (dir: string, generic: string | null = null) =>
  verifySignatures(dir, generic).problems.map(
    (p) => `${p.file.replace(/^.*signatures\//, 'signatures/')}:${p.line}: ${p.message}`,
  );

describe('verifySignatures on broken data', () => {
  it('the shipped signatures and generic corpus are clean', () => {
    const r = verifySignatures(SIGNATURES_DIR, join(SIGNATURES_DIR, 'generic'));
    expect(r.problems).toEqual([]);
    expect(r.counts.examples).toBeGreaterThan(150);
    expect(r.counts.genericObservations).toBeGreaterThan(50);
  });

  it('a valid new entry passes', () => {
    const dir = copy();
    addFile(dir, 'test.yaml', GOOD);
    expect(messages(dir)).toEqual([]);
  });

  it('names the line of a YAML syntax error', () => {
    const dir = copy();
    addFile(dir, 'test.yaml', `${GOOD}- id: [unclosed\n`);
    expect(messages(dir).join('\n')).toMatch(/signatures\/fingerprints\/test\.yaml:1[23]: YAML: /);
  });

  it('unknown manufacturer, key, weight, missing case: each at its own line', () => {
    const dir = copy();
    addFile(
      dir,
      'test.yaml',
      GOOD.replace('manufacturer: axis', 'manufacturer: axsi')
        .replace('key: http.header.server\n  pattern', 'key: http.heder\n  pattern')
        .replace('  case: sensitive\n', '')
        .replace('weight: medium', 'weight: huge'),
    );
    const m = messages(dir).join('\n');
    expect(m).toMatch(/test\.yaml:2: key: "http\.heder" is not an observation key/);
    expect(m).toMatch(
      /test\.yaml:4: manufacturer: "axsi" is not an id in signatures\/vocabulary\/manufacturers\.yaml/,
    );
    expect(m).toMatch(/test\.yaml:5: weight: must be one of strong, medium, weak, info/);
    expect(m).toMatch(/test\.yaml:1: case: say "sensitive" or "insensitive" explicitly/);
  });

  it('an example that does not match, extracts the wrong value, or a counterexample that matches', () => {
    const dir = copy();
    addFile(
      dir,
      'test.yaml',
      GOOD.replace("value: TestServer/2, firmware: '2'", "value: TestServer/2, firmware: '3'")
        .replace('value: TestServer }', 'value: TestServer/9 }')
        .replace(
          "    - { key: http.header.server, value: TestServer/2, firmware: '3' }",
          "    - { key: http.header.server, value: TestServer/2, firmware: '3' }\n    - { key: http.header.server, value: Nope }",
        ),
    );
    const m = messages(dir).join('\n');
    expect(m).toMatch(/test\.yaml:9: test-entry: example "TestServer\/2": expected firmware "3", got "2"/);
    expect(m).toMatch(/test\.yaml:10: test-entry: example "Nope" does not match the pattern/);
    expect(m).toMatch(/test\.yaml:12: test-entry: counterexample "TestServer\/9" matches the pattern/);
  });

  it('an example explained better by another entry', () => {
    const dir = copy();
    addFile(
      dir,
      'test.yaml',
      GOOD.replace(
        "'^TestServer/(?<firmware>\\d+)$'",
        () => "'^(?:TestServer/(?<firmware>\\d+)|App-webs/)$'",
      ).replace(
        "    - { key: http.header.server, value: TestServer/2, firmware: '2' }",
        "    - { key: http.header.server, value: TestServer/2, firmware: '2' }\n    - { key: http.header.server, value: App-webs/ }",
      ),
    );
    const m = messages(dir).join('\n');
    expect(m).toMatch(
      /test\.yaml:10: test-entry: example "App-webs\/" is matched better by hikvision-http-server/,
    );
  });

  it('a broken vocabulary reference in brands.yaml', () => {
    const dir = copy();
    const path = join(dir, 'vocabulary', 'brands.yaml');
    const text = readFileSync(path, 'utf8').replace(
      '{ manufacturer: hikvision, relation: oem, from: null, until: null, modelSpecific: true, source: "integrator lists (https://getscw.com/knowledge-base/the-ban)',
      '{ manufacturer: hikvison, relation: oem, from: null, until: null, modelSpecific: true, source: "integrator lists (https://getscw.com/knowledge-base/the-ban)',
    );
    writeFileSync(path, text);
    const line = text.split('\n').findIndex((l) => l.includes('hikvison')) + 1;
    expect(messages(dir).join('\n')).toContain(
      `brands.yaml:${line}: makers[0]: manufacturer "hikvison" is not a manufacturer id`,
    );
  });

  it('a generic banner that leads to a covered maker', () => {
    const dir = copy();
    const generic = join(dir, '..', 'generic');
    mkdirSync(generic);
    writeFileSync(
      join(generic, 'x.jsonl'),
      '{"host":"nas","key":"http.header.server","value":"nginx"}\n{"host":"cam","key":"http.header.server","value":"App-webs/"}\n',
    );
    const m = messages(dir, generic).join('\n');
    expect(m).toMatch(
      /x\.jsonl:2: generic http\.header\.server "App-webs\/" matched hikvision-http-server .* → hikvision/,
    );
    expect(m).toMatch(/x\.jsonl:2: generic host cam was identified as hikvision/);
    expect(m).not.toMatch(/x\.jsonl:1:/);
  });
});

describe('camsweep verify command', () => {
  it('prints path:line: message lines and exits 1 on problems', async () => {
    const dir = copy();
    addFile(dir, 'test.yaml', GOOD.replace('manufacturer: axis', 'manufacturer: nobody'));
    const f = fakeIO();
    expect(await run(['--signatures', dir], f.io)).toBe(1);
    expect(f.stdout()).toMatch(/^\S*test\.yaml:5: manufacturer: "nobody" is not an id/m);
    expect(f.stdout()).toMatch(/1 problem\(s\)/);
  });
  it('exits 0 on the shipped data and says what it checked', async () => {
    const f = fakeIO();
    expect(await run([], f.io)).toBe(0);
    expect(f.stdout()).toMatch(/signatures, \d+ examples, \d+ counterexamples.*no problems/);
  });

  it('checks the generic corpus shipped inside the signature directory by default', async () => {
    const f = fakeIO();
    expect(await run(['--signatures', copy()], f.io)).toBe(0);
    expect(Number(/(\d+) generic observations/.exec(f.stdout())?.[1])).toBeGreaterThan(50);
  });

  it('fails, naming the folder, when the generic corpus is missing or empty instead of counting zero', async () => {
    const dir = copy();
    rmSync(join(dir, 'generic'), { recursive: true });
    const missing = fakeIO();
    expect(await run(['--signatures', dir], missing.io)).toBe(1);
    expect(missing.stdout()).toMatch(
      /generic:0: the generic corpus folder does not exist; give --generic DIR/,
    );
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const none = fakeIO();
    expect(await run(['--generic', empty], none.io)).toBe(1);
    expect(none.stdout()).toMatch(/empty:0: the generic corpus holds no observations/);
  });
});
