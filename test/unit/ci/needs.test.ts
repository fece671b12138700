/**
 * `.ci/check-needs`, the last step of `.ci/install-deps`: on a machine that lacks something the
 * suite uses, CI must stop there and name the Debian package, rather than fail later inside a
 * test (lighttpd without mod_openssl) or pass only where a package arrived by hand. Each case
 * feeds the real script an edited copy of `.ci/apt-packages` or `.ci/needs`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CI_DIR = join(import.meta.dirname, '../../../.ci');
const SCRIPT = join(CI_DIR, 'check-needs');
const PACKAGES = readFileSync(join(CI_DIR, 'apt-packages'), 'utf8');
const NEEDS = readFileSync(join(CI_DIR, 'needs'), 'utf8');
const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (!hasDpkg && !inCI) console.warn('skipping .ci/check-needs tests: not a Debian system (no dpkg-query)');

const work = mkdtempSync(join(tmpdir(), 'camsweep-needs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function check(files: { packages?: string; needs?: string }) {
  const packages = join(work, `packages-${Math.random().toString(36).slice(2)}`);
  const needs = join(work, `needs-${Math.random().toString(36).slice(2)}`);
  writeFileSync(packages, files.packages ?? PACKAGES);
  writeFileSync(needs, files.needs ?? NEEDS);
  const r = spawnSync('bash', [SCRIPT, '--packages', packages, '--needs', needs], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** The package lines of a list, without comments. */
function packageNames(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

describe.runIf(hasDpkg || inCI)('.ci/check-needs', () => {
  it('passes on this machine with the shipped lists (install-deps has run)', () => {
    const r = check({});
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Debian packages installed, every need in .* present/);
  });

  it.each(
    [...new Set(packageNames(NEEDS).map((line) => line.split(/\s+/)[2] ?? ''))].filter((p) =>
      packageNames(PACKAGES).includes(p),
    ),
  )('fails naming %s when that line is dropped from .ci/apt-packages', (pkg) => {
    const without = PACKAGES.split('\n')
      .filter((l) => l.replace(/#.*/, '').trim() !== pkg)
      .join('\n');
    const r = check({ packages: without });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`package ${pkg}, which .ci/apt-packages does not list`);
  });

  it('names the package of a missing program, file or Python module', () => {
    const r = check({
      needs: [
        'bin      camsweep-no-such-program           lighttpd',
        'file     /usr/lib/lighttpd/mod_no_such.so   lighttpd-mod-openssl',
        'python3  camsweep_no_such_module            python3-zeroconf',
      ].join('\n'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing bin camsweep-no-such-program: install package lighttpd');
    expect(r.stderr).toContain(
      'missing file /usr/lib/lighttpd/mod_no_such.so: install package lighttpd-mod-openssl',
    );
    expect(r.stderr).toContain('missing python3 camsweep_no_such_module: install package python3-zeroconf');
    expect(r.stderr).toContain('3 problem(s)');
  });

  it('fails when a listed package is not installed', () => {
    const r = check({ packages: `${PACKAGES}\ncamsweep-not-a-debian-package   # simulated\n` });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'package camsweep-not-a-debian-package (listed in .ci/apt-packages) is not installed',
    );
  });

  it('reads comments and blank lines, and rejects a malformed needs line with its line number', () => {
    const ok = check({
      packages: `# header\n\n${PACKAGES}\n   # indented comment\n`,
      needs: '# only comments\n\n',
    });
    expect(ok.status).toBe(0);
    const bad = check({ needs: '# a\nbin lighttpd\nwidget lighttpd lighttpd\n' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/needs-\w+:2: expected 'kind what package'/);
    expect(bad.stderr).toMatch(/needs-\w+:3: unknown kind "widget"/);
  });
});
