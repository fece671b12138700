/**
 * The agent's npm tarball (`npm run package:agent`) as an on-prem admin installs it: into a
 * clean prefix with `npm install -g --offline` (no registry, no compiler: its dependencies are
 * bundled and none has an install script), then the installed `camsweep` runs --version,
 * `verify` against its own shipped corpus, and a scan inside the lab's namespaces that finds
 * the covered devices. Needs root for the lab; the install checks run anywhere npm does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/contract/types.js';
import { buildLab, findRepoRoot, type Lab } from '../lab/lab.js';
import { labSkipReason } from '../lab/preflight.js';

const repoRoot = findRepoRoot();
const VERSION = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const labSkip = await labSkipReason();
const skipLab = labSkip !== null && !process.env.CI;
if (skipLab) console.warn(`installed-agent lab scan skipped: ${labSkip}`);

const work = mkdtempSync(join(tmpdir(), 'camsweep-install-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'bin', 'camsweep');
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000 });

describe('the agent npm tarball, installed into a clean prefix', () => {
  let lab: Lab | null = null;

  beforeAll(() => {
    const packed = run('node', [join(repoRoot, '.ci/package.mjs'), 'agent', '--out', work]);
    expect(packed.stderr).toBe('');
    const tarball = packed.stdout.trim();
    expect(tarball).toBe(join(work, `camsweep-agent-${VERSION}.tgz`));
    // --offline: npm may not contact the registry; everything must come from the tarball.
    const install = run('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--offline',
      '--no-audit',
      '--no-fund',
      '--cache',
      join(work, 'empty-npm-cache'),
      tarball,
    ]);
    expect(install.status, install.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await lab?.down();
    rmSync(work, { recursive: true, force: true });
  });

  it('has the agent and no collector dependency, no native module', () => {
    const modules = join(prefix, 'lib', 'node_modules', 'camsweep-agent', 'node_modules');
    const names = readdirSync(modules);
    expect(names).toEqual(expect.arrayContaining(['undici', 'net-snmp', 'pino', 'yaml', 'oui-data']));
    for (const collectorOnly of ['better-sqlite3', 'fastify', 'pg', 'eta', '@fastify'])
      expect(names).not.toContain(collectorOnly);
    expect(existsSync(installed)).toBe(true);
  });

  it('runs --version and verify with its shipped generic corpus', () => {
    expect(run(installed, ['--version']).stdout).toBe(`${VERSION}\n`);
    const verify = run(installed, ['verify']);
    expect(verify.stdout).toMatch(/[1-9]\d* generic observations.*no problems/);
    expect(verify.status).toBe(0);
  });

  it('says what to install when asked for the collector', () => {
    const r = run(installed, ['collector']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not part of this installation.*fastify.*better-sqlite3/);
    expect(r.stderr).toMatch(/fix: run the collector from the full camsweep package/);
  });

  it.skipIf(skipLab)(
    'scans the lab (inside its namespaces) and finds the covered devices',
    async () => {
      lab = await buildLab({ repoRoot });
      const scan = await lab.exec(installed, ['scan', '--format', 'json'], { timeoutMs: 90_000 });
      const report = JSON.parse(scan.stdout) as Report;
      expect(report.agent.version).toBe(VERSION);
      expect(report.summary.covered).toBeGreaterThan(0);
      const makers = new Set(report.devices.map((d) => d.identity.manufacturer));
      expect(makers).toContain('hikvision');
      expect(makers).toContain('dahua');
      expect(scan.code).toBe(3);
    },
    180_000,
  );
});
