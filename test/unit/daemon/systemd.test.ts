/**
 * The shipped units must load as written (systemd-analyze verify) and stay hardened
 * (systemd-analyze security --offline, exposure ≤ 2.0 where 10 is "no sandbox at all").
 * systemd comes from the Debian `systemd` package (.ci/apt-packages).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const UNITS_DIR = join(import.meta.dirname, '../../../systemd');
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (!hasAnalyze && !inCI)
  console.warn('skipping systemd unit checks: systemd-analyze not installed (apt-get install systemd)');

const units = readdirSync(UNITS_DIR).filter((f) => /\.(service|timer)$/.test(f));
const work = mkdtempSync(join(tmpdir(), 'camsweep-units-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * verify insists that ExecStart's program exists. The units name `camsweep` (found in
 * /usr/local/bin or /usr/bin once installed); here it is pointed at this Node binary, which
 * exists, keeping every other line as shipped.
 */
function stage(unit: string): string {
  const text = readFileSync(join(UNITS_DIR, unit), 'utf8').replace(
    /^ExecStart=camsweep /gm,
    `ExecStart=${process.execPath} /opt/camsweep-cli.js `,
  );
  const file = join(work, unit);
  writeFileSync(file, text);
  return file;
}

describe.runIf(hasAnalyze || inCI)('systemd units', () => {
  it('ships the agent, the one-shot scan with its timer, and the collector', () => {
    expect(units.sort()).toEqual([
      'camsweep-agent.service',
      'camsweep-collector.service',
      'camsweep-scan.service',
      'camsweep-scan.timer',
    ]);
  });

  it('pass systemd-analyze verify without a single warning', () => {
    const files = units.map(stage);
    const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(units.filter((u) => u.endsWith('.service')))('%s has an exposure score of at most 2.0', (unit) => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', stage(unit)], {
      encoding: 'utf8',
    });
    const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.0);
  });

  it('the agent does not restart-loop on a config error (exit 2) and holds no capability', () => {
    const text = readFileSync(join(UNITS_DIR, 'camsweep-agent.service'), 'utf8');
    expect(text).toMatch(/^RestartPreventExitStatus=.*\b2\b/m);
    expect(text).toMatch(/^CapabilityBoundingSet=$/m);
    const r = spawnSync(
      'systemd-analyze',
      ['security', '--offline=true', '--no-pager', stage('camsweep-agent.service')],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toMatch(/✓ CapabilityBoundingSet=~CAP_NET_\(BIND_SERVICE\|BROADCAST\|RAW\)/);
    expect(r.stdout).toMatch(/✓ CapabilityBoundingSet=~CAP_NET_ADMIN/);
    expect(r.stdout).toMatch(/✓ CapabilityBoundingSet=~CAP_SYS_ADMIN/);
  });
});
