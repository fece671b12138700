/**
 * Covered gear on a VLAN the agent cannot reach, found through the switch (issue 12). The lab
 * (test/fixtures/switch-lab) holds an L3 core switch served by snmpsim on the scanner's lan,
 * and two Hikvision units on VLAN 79 (10.79.0.0/24), a segment no route and no multicast
 * reaches: one announces its model over LLDP, the other is known only by ARP, forwarding entry
 * and OUI. A lan web server is seen both directly and in the switch tables.
 *
 * Three scans at once: with switch reading and the default scope (JSON), with switch reading
 * and the camera VLAN named as a target (table), and without switch reading (JSON), which shows
 * what active probing alone finds. Needs root; skips with the reason outside CI.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReport } from '../../src/contract/report-schema.js';
import type { Device, Report } from '../../src/contract/types.js';
import { loadFixtures, SUBNETS } from '../lab/fixtures.js';
import { buildLab, type ExecResult, findRepoRoot, type Lab } from '../lab/lab.js';
import { labSkipReason } from '../lab/preflight.js';

const skipReason = await labSkipReason();
const skip = skipReason !== null && !process.env.CI;
if (skip) console.warn(`switch lab tests skipped: ${skipReason}`);

const repoRoot = findRepoRoot();
const fixturesDir = join(repoRoot, 'test', 'fixtures', 'switch-lab');
const fixtures = loadFixtures(fixturesDir);
const SWITCH_IP = fixtures.find((f) => f.name === 'aruba-8325-core')!.ip;
const CAMERA_VLAN = `${SUBNETS.isolated.prefix}.0/24`;
// Generous: three scans run at once on a CI box shared with other suites.
const SCAN_TIMEOUT_MS = 150_000;

interface ExpectedWithLocation {
  readonly identity: { manufacturer: string | null; deviceType: string | null; model?: string | null };
  readonly verdict: Device['verdict'];
  readonly rules: readonly string[];
  readonly location: NonNullable<Device['location']>;
}

function parseReport(r: ExecResult): Report {
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`no JSON report (exit ${r.code}).\nstderr: ${r.stderr.slice(-2000)}`);
  }
}

/** Which mechanism found a device: active probes, the switch tables, or both. */
function foundBy(d: Device): 'active' | 'switch' | 'both' {
  const probes = new Set((d.observations ?? []).filter((o) => o.key !== 'switch.read').map((o) => o.probe));
  const viaSwitch = probes.has('switch');
  probes.delete('switch');
  const active = probes.size > 0 || (d.observations ?? []).some((o) => o.key === 'switch.read');
  return viaSwitch && active ? 'both' : viaSwitch ? 'switch' : 'active';
}

describe.skipIf(skip)('switch-side inventory in the lab', () => {
  let lab: Lab;
  let dir: string;
  let withSwitch: ExecResult;
  let named: ExecResult;
  let activeOnly: ExecResult;

  beforeAll(async () => {
    lab = await buildLab({ repoRoot, fixturesDir });
    dir = mkdtempSync(join(tmpdir(), 'camsweep-switch-lab-'));
    const credentials = join(dir, 'credentials.yaml');
    writeFileSync(
      credentials,
      `entries:\n  - targets: [${SWITCH_IP}]\n    snmp:\n      communities: ["lab-switch-ro"]\n`,
      { mode: 0o600 },
    );
    chmodSync(credentials, 0o600);
    const config = (switchOn: boolean) => {
      const file = join(dir, `config-${switchOn}.yaml`);
      writeFileSync(
        file,
        `credentials:\n  file: ${credentials}\nprobes:\n  switch:\n    enabled: ${switchOn}\n    devices: [${SWITCH_IP}]\n`,
      );
      return file;
    };
    const env = { ...process.env, NO_COLOR: '1' };
    [withSwitch, named, activeOnly] = await Promise.all([
      lab.scan(['--config', config(true), '--format', 'json'], { timeoutMs: SCAN_TIMEOUT_MS }),
      lab.scan([`${SUBNETS.lan.prefix}.0/24`, CAMERA_VLAN, '--config', config(true), '--format', 'table'], {
        timeoutMs: SCAN_TIMEOUT_MS,
        env,
      }),
      lab.scan(['--config', config(false), '--format', 'json'], { timeoutMs: SCAN_TIMEOUT_MS }),
    ]);
    console.info(
      `switch lab scan durations: json ${withSwitch.durationMs} ms, named table ${named.durationMs} ms, active only ${activeOnly.durationMs} ms`,
    );
  }, 300_000);

  afterAll(async () => {
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a schema-valid report with a coverage section', () => {
    const report = parseReport(withSwitch);
    expect(checkReport(report)).toEqual([]);
    expect(report.coverage).toBeDefined();
  });

  for (const f of fixtures.filter((x) => x.expected !== null)) {
    it(`reports ${f.name} with its verdict and the switch, port and VLAN it is plugged into`, () => {
      const want = f.expected as unknown as ExpectedWithLocation;
      const device = parseReport(withSwitch).devices.find((d) => d.ip === f.ip);
      const seen = device
        ? JSON.stringify({ identity: device.identity, evidence: device.evidence })
        : 'absent';
      expect(device?.verdict, seen).toBe(want.verdict);
      expect(device?.identity.manufacturer, seen).toBe(want.identity.manufacturer);
      expect(device?.identity.deviceType, seen).toBe(want.identity.deviceType);
      if (want.identity.model) expect(device?.identity.model).toBe(want.identity.model);
      for (const rule of want.rules) expect(device?.findings.map((x) => x.rule)).toContain(rule);
      expect(device?.location).toEqual(want.location);
    });
  }

  it('fuses the lan server seen directly and in the switch tables into one device', () => {
    const report = parseReport(withSwitch);
    const server = fixtures.find((f) => f.name === 'intel-server-lan')!;
    const matches = report.devices.filter((d) => d.mac === server.mac);
    expect(matches).toHaveLength(1);
    expect(foundBy(matches[0]!)).toBe('both');
  });

  it('finds nothing on the camera VLAN without the switch: it is truly out of reach', () => {
    const report = parseReport(activeOnly);
    expect(report.devices.filter((d) => d.ip.startsWith(`${SUBNETS.isolated.prefix}.`))).toEqual([]);
  });

  it('names the camera VLAN as a blind spot and accounts for the switch it read', () => {
    const coverage = parseReport(withSwitch).coverage!;
    expect(coverage.blindSpots).toContainEqual(
      expect.objectContaining({ kind: 'beyond-scope', subject: CAMERA_VLAN }),
    );
    expect(coverage.switches).toEqual([
      expect.objectContaining({ address: SWITCH_IP, outcome: 'read', macs: 5, macsWithoutAddress: 2 }),
    ]);
    expect(coverage.switches[0]!.tables).toEqual(
      expect.arrayContaining(['ipNetToPhysical', 'dot1qTpFdbPort', 'lldpRemSysDesc']),
    );
  });

  it('with the VLAN named as a target, the table shows where each camera is and why the VLAN is blind', () => {
    expect(named.code, named.stderr.slice(-2000)).toBe(3);
    const lines = named.stdout.split('\n');
    const row = (ip: string) => lines.find((l) => l.startsWith(`${ip} `)) ?? '';
    expect(row(`${SUBNETS.isolated.prefix}.64`)).toMatch(
      /covered .*core-sw-lab \(10\.77\.0\.5\) 1\/1\/7 vlan 79/,
    );
    expect(row(`${SUBNETS.isolated.prefix}.65`)).toMatch(
      /suspect .*core-sw-lab \(10\.77\.0\.5\) 1\/1\/8 vlan 79/,
    );
    const summary = lines.filter((l) => l.startsWith('Coverage:')).at(-1) ?? '';
    expect(summary).toContain(`${CAMERA_VLAN} (routed): 0 of 254 addresses answered`);
    expect(summary).toContain(`${CAMERA_VLAN} routed, no multicast discovery`);
    expect(summary).toContain(`${CAMERA_VLAN} unreachable (no route)`);
  });

  it('reports how many devices each mechanism found, alone and together', () => {
    const report = parseReport(withSwitch);
    const counts = { active: 0, switch: 0, both: 0 };
    for (const d of report.devices) counts[foundBy(d)]++;
    const alone = parseReport(activeOnly).devices.length;
    console.info(
      `mechanisms: active probes alone ${alone} devices; with switch reading ${report.devices.length} devices = ${counts.active} active only + ${counts.switch} switch only + ${counts.both} both`,
    );
    expect(counts.switch).toBe(2);
    expect(counts.both).toBeGreaterThanOrEqual(1);
    expect(report.devices.length).toBe(alone + counts.switch);
  });
});
