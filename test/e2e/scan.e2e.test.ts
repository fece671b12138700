/**
 * camsweep end to end, as an IT admin runs it: the built CLI (`dist/agent/cli.js scan`)
 * inside the lab's scanner namespace, against simulated and real devices on the lab LAN and
 * behind its router. Every device must come out as its fixture's expected.json says.
 * A second case runs camsweep on a host whose only network is public and checks it refuses
 * to scan and sends nothing. Needs root; skips with the reason outside CI.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as reportCommand } from '../../agent/commands/report.js';
import { checkReport } from '../../src/contract/report-schema.js';
import type { Device, Report } from '../../src/contract/types.js';
import {
  type DeviceFixture,
  type ExpectedOutcome,
  fixturesRoot,
  loadFixtures,
  SUBNETS,
} from '../lab/fixtures.js';
import { buildLab, type ExecResult, findRepoRoot, type Lab } from '../lab/lab.js';
import { distPaths, labSkipReason } from '../lab/preflight.js';
import { buildStandaloneHost, type StandaloneHost } from '../lab/standalone.js';
import { runCommand } from '../unit/attest/helpers.js';

const skipReason = await labSkipReason();
const skip = skipReason !== null && !process.env.CI;
if (skip) console.warn(`end-to-end tests skipped: ${skipReason}`);

const repoRoot = findRepoRoot();
const fixtures = loadFixtures(fixturesRoot(repoRoot)).filter((f) => f.expected !== null);
const inDefaultScope = fixtures.filter((f) => f.expected!.scope !== 'explicit');
const remoteOnly = fixtures.filter((f) => f.expected!.scope === 'explicit');
/** Remote fixtures every discovery mode must find, and those only `--discovery full` can. */
const remoteSeenByAll = remoteOnly.filter((f) => f.expected!.discovery !== 'full');
const remoteFullOnly = remoteOnly.filter((f) => f.expected!.discovery === 'full');
const CAMERA_TYPES = new Set(['camera', 'nvr', 'dvr', 'encoder', 'thermal']);
const SCAN_TIMEOUT_MS = 150_000;

/** What differs between a reported device and its fixture's expectations (empty: all good). */
function mismatches(expected: ExpectedOutcome, device: Device | undefined): string[] {
  if (!device) return ['not in the report at all'];
  const out: string[] = [];
  const want = expected.identity;
  const got = device.identity;
  if (got.manufacturer !== want.manufacturer)
    out.push(`manufacturer ${got.manufacturer} (expected ${want.manufacturer})`);
  if (got.deviceType !== want.deviceType)
    out.push(`deviceType ${got.deviceType} (expected ${want.deviceType})`);
  if (want.model && got.model?.toLowerCase() !== want.model.toLowerCase())
    out.push(`model ${got.model} (expected ${want.model})`);
  if (device.verdict !== expected.verdict)
    out.push(`verdict ${device.verdict} (expected ${expected.verdict})`);
  const rules = device.findings.map((f) => f.rule);
  if (expected.rules.length === 0 && rules.length > 0)
    out.push(`findings ${rules.join(', ')} (expected none)`);
  const absent = expected.rules.filter((r) => !rules.includes(r));
  if (absent.length > 0) out.push(`rules missing: ${absent.join(', ')} (has: ${rules.join(', ') || 'none'})`);
  return out;
}

/** Context printed with a failed expectation: what the scanner saw and what the lab lacked. */
function explain(lab: Lab, fixture: DeviceFixture, device: Device | undefined, scan: ExecResult): string {
  const labDevice = lab.devices.find((d) => d.name === fixture.name);
  const lines = [
    `device ${fixture.name} at ${fixture.ip}`,
    `simulators running: ${labDevice?.ready.started.join(', ') || 'none'}; not written yet: ${labDevice?.ready.missing.join(', ') || 'none'}`,
  ];
  if (device) {
    lines.push(`reported identity: ${JSON.stringify(device.identity)}`);
    lines.push(`evidence: ${JSON.stringify(device.evidence.slice(0, 8))}`);
    const keys = [...new Set((device.observations ?? []).map((o) => o.key))];
    lines.push(`observation keys: ${keys.join(', ') || 'none'}`);
  } else {
    lines.push(`camsweep exit ${scan.code}; stderr tail: ${scan.stderr.slice(-1500)}`);
  }
  lines.push(`device log tail:\n${lab.deviceLog(fixture.name, 1500)}`);
  return lines.join('\n');
}

function parseReport(r: ExecResult): Report {
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(
      `camsweep did not print a JSON report (exit ${r.code}).\nstdout: ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr.slice(-2000)}`,
    );
  }
}

describe.skipIf(skip)('camsweep scan in the lab', () => {
  let lab: Lab;
  let jsonScan: ExecResult;
  let tableScan: ExecResult;
  let remoteScan: ExecResult;
  let fullScan: ExecResult;
  let remoteFullScan: ExecResult;
  let cutScan: ExecResult;
  let cutConfig: string;

  beforeAll(async () => {
    lab = await buildLab({ repoRoot });
    const missing = lab.missingSims();
    if (missing.length > 0) {
      console.warn(
        `lab devices without some simulators: ${missing.map((m) => `${m.device} (${m.sims.join(', ')})`).join('; ')}`,
      );
    }
    // A scan forced past its deadline: a 2 s scan whose listeners want 3 s and whose SNMP
    // enrichment cannot finish. Its targets hold nothing covered, so only the exit code tells the truth.
    cutConfig = join(mkdtempSync(join(tmpdir(), 'camsweep-e2e-')), 'cut.yaml');
    writeFileSync(cutConfig, 'probes:\n  tcp:\n    timeout: 50ms\n');
    const quietHosts = ['generic-nginx', 'windows-wsdd'].map((n) => fixtures.find((f) => f.name === n)!.ip);
    const remote = `${SUBNETS.remote.prefix}.0/24`;
    // Two batches of three scans at once keep the suite fast without starving a loaded machine.
    [jsonScan, tableScan, remoteScan] = await Promise.all([
      lab.scan(['--format', 'json'], { timeoutMs: SCAN_TIMEOUT_MS }),
      lab.scan(['--format', 'table'], { timeoutMs: SCAN_TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1' } }),
      lab.scan([remote, '--format', 'json'], { timeoutMs: SCAN_TIMEOUT_MS }),
    ]);
    [fullScan, remoteFullScan, cutScan] = await Promise.all([
      lab.scan(['--format', 'json', '--discovery', 'full'], { timeoutMs: SCAN_TIMEOUT_MS }),
      lab.scan([remote, '--format', 'json', '--discovery', 'full'], { timeoutMs: SCAN_TIMEOUT_MS }),
      lab.scan([...quietHosts, '--format', 'json', '--rate', '0', '--timeout', '2s', '--config', cutConfig], {
        timeoutMs: SCAN_TIMEOUT_MS,
      }),
    ]);
    console.info(
      `scan durations: json ${jsonScan.durationMs} ms, table ${tableScan.durationMs} ms, remote ${remoteScan.durationMs} ms, ` +
        `full ${fullScan.durationMs} ms, remote full ${remoteFullScan.durationMs} ms, cut ${cutScan.durationMs} ms`,
    );
  }, 400_000);

  afterAll(async () => {
    await lab?.down();
  });

  it('exits 3 because covered devices were found', () => {
    expect(jsonScan.code, jsonScan.stderr.slice(-2000)).toBe(3);
  });

  it('prints a report that passes the camsweep.report/v1 schema', () => {
    expect(checkReport(parseReport(jsonScan))).toEqual([]);
  });

  it('turns the lab scan into an attestation PDF that pdftotext and pdftoppm read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camsweep-e2e-attest-'));
    const reportFile = join(dir, 'lab-report.json');
    const pdf = join(dir, 'attestation.pdf');
    writeFileSync(reportFile, jsonScan.stdout);
    const res = await runCommand(reportCommand, ['--from', reportFile, '--pdf', pdf, '--org', 'Lab Town']);
    expect(res.code, res.stderr).toBe(0);
    const hash = /SHA-256 ([0-9a-f]{64})/.exec(res.stdout)?.[1];
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    expect(text).toContain(hash);
    const listed = parseReport(jsonScan).devices.filter(
      (d) => d.verdict === 'covered' || d.verdict === 'suspect',
    );
    expect(listed.length).toBeGreaterThan(0);
    for (const d of listed) {
      expect(text, d.ip).toContain(d.ip);
      for (const f of d.findings) expect(text, f.rule).toContain(f.citation.replace(/\s+/g, ''));
    }
    execFileSync('pdftoppm', ['-png', '-r', '40', pdf, join(dir, 'page')]);
    expect(readdirSync(dir).filter((f) => /^page-\d+\.png$/.test(f)).length).toBeGreaterThan(1);
  }, 90_000);

  it('scans only the connected private subnet by default', () => {
    const report = parseReport(jsonScan);
    expect(report.scan.targets).toEqual([`${SUBNETS.lan.prefix}.0/24`]);
    for (const f of remoteOnly)
      expect(
        report.devices.find((d) => d.ip === f.ip),
        f.name,
      ).toBeUndefined();
  });

  for (const fixture of inDefaultScope) {
    it(`concludes what expected.json says about ${fixture.name}`, () => {
      const device = parseReport(jsonScan).devices.find((d) => d.ip === fixture.ip);
      expect(mismatches(fixture.expected!, device), explain(lab, fixture, device, jsonScan)).toEqual([]);
    });
  }

  it('does not take the Windows wsdd host for a camera', () => {
    const windows = fixtures.find((f) => f.name === 'windows-wsdd');
    expect(windows).toBeDefined();
    // The negative means something only if camsweep's WS-Discovery probes reached the real
    // wsdd daemon, which logs every Probe it receives.
    expect(lab.deviceLog('windows-wsdd', 100_000)).toMatch(
      new RegExp(`${lab.scannerIp.replaceAll('.', '\\.')}:\\d+\\(eth0\\) .*"Probe `),
    );
    const device = parseReport(jsonScan).devices.find((d) => d.ip === windows!.ip);
    // Seen on the LAN, but neither covered nor suspect nor any video device type.
    expect(device, 'the Windows host is missing from the report').toBeDefined();
    expect(['covered', 'suspect']).not.toContain(device!.verdict);
    expect(CAMERA_TYPES.has(device!.identity.deviceType ?? '')).toBe(false);
    expect(device!.findings).toEqual([]);
  });

  it('lists the Hikvision and Dahua units as covered in the table, with their evidence', () => {
    expect(tableScan.code, tableScan.stderr.slice(-2000)).toBe(3);
    const lines = tableScan.stdout.split('\n');
    for (const name of ['hikvision-ds-2cd2385g1-i', 'dahua-nvr4108hs-8p-4ks2']) {
      const f = fixtures.find((x) => x.name === name)!;
      const row = lines.findIndex((l) => l.startsWith(`${f.ip} `));
      expect(row, `${name} has no row in:\n${tableScan.stdout}`).toBeGreaterThanOrEqual(0);
      expect(lines[row]).toMatch(/\bcovered\b/);
      expect(lines[row]).toContain(f.expected!.identity.manufacturer!);
      const below: string[] = [];
      for (const l of lines.slice(row + 1)) {
        if (!l.startsWith('    ')) break;
        below.push(l);
      }
      expect(
        below.some((l) => l.trimStart().startsWith('evidence:')),
        `${name} rows:\n${below.join('\n')}`,
      ).toBe(true);
      expect(
        below.some((l) => l.trimStart().startsWith('rule:')),
        `${name} rows:\n${below.join('\n')}`,
      ).toBe(true);
    }
  });

  for (const fixture of remoteSeenByAll) {
    it(`identifies ${fixture.name} behind the router by unicast alone when its subnet is named`, () => {
      for (const scan of [remoteScan, remoteFullScan]) {
        const report = parseReport(scan);
        expect(checkReport(report)).toEqual([]);
        const device = report.devices.find((d) => d.ip === fixture.ip);
        expect(mismatches(fixture.expected!, device), explain(lab, fixture, device, scan)).toEqual([]);
      }
    });
  }

  for (const fixture of remoteFullOnly) {
    it(`finds ${fixture.name}, silent on every phase-1 port and off-link, only with --discovery full`, () => {
      const full = parseReport(remoteFullScan);
      expect(full.scan.discovery?.mode).toBe('full');
      const device = full.devices.find((d) => d.ip === fixture.ip);
      expect(mismatches(fixture.expected!, device), explain(lab, fixture, device, remoteFullScan)).toEqual(
        [],
      );
      // Two-phase cannot see it, and its report says what kind of host it cannot see.
      const twoPhase = parseReport(remoteScan);
      expect(twoPhase.scan.discovery?.mode).toBe('two-phase');
      expect(twoPhase.devices.find((d) => d.ip === fixture.ip)).toBeUndefined();
      expect(twoPhase.scan.discovery?.blindSpots).toMatch(/silently drops those ports.*--discovery full/);
    });
  }

  it('reports the same devices and verdicts in two-phase and full discovery', () => {
    const two = parseReport(jsonScan);
    const full = parseReport(fullScan);
    expect(two.scan.discovery?.mode).toBe('two-phase');
    expect(full.scan.discovery?.mode).toBe('full');
    expect(full.scan.partial, JSON.stringify(full.scan.skipped)).toBe(false);
    const digest = (r: Report) => r.devices.map((d) => `${d.ip} ${d.verdict} ${d.identity.manufacturer}`);
    expect(digest(two)).toEqual(digest(full));
    // Two-phase sends far fewer connects: phase 1 only touches the live hosts' other ports.
    expect(two.scan.discovery!.liveHosts).toBe(full.scan.discovery!.liveHosts);
  });

  it('never reports a scan cut short by its deadline as complete, names what it skipped, and exits 1', () => {
    const report = parseReport(cutScan);
    expect(checkReport(report)).toEqual([]);
    expect(report.scan.partial).toBe(true);
    expect(report.summary.covered).toBe(0);
    expect(cutScan.code, cutScan.stderr.slice(-1500)).toBe(1);
    const skipped = report.scan.skipped!;
    expect(skipped.reasons).toContain('scan-deadline');
    // Enrichment starts on each host as soon as the sweep settles it, so a probe may finish
    // before the deadline; one that did not is named, in the report and on stderr. SNMP never
    // can: a silent agent costs it 2 s (1 s timeout, one resend) and the whole scan has 2 s.
    const status = Object.fromEntries((report.scan.probeStatus ?? []).map((p) => [p.probe, p]));
    expect(skipped.probes).toContain('snmp');
    expect(status.snmp!.cutShort).toBe('scan-deadline');
    for (const probe of ['http', 'rtsp']) {
      if (status[probe]!.outcome === 'ok') expect(status[probe]!.cutShort).toBeUndefined();
      else expect(skipped.probes).toContain(probe);
    }
    expect(status.onvif!.cutShort).toBeDefined();
    expect(cutScan.stderr).toMatch(/cut short .*partial; not done: probes .*snmp/);
  });
});

describe.skipIf(skip)('camsweep scan on a host with no private network', () => {
  let host: StandaloneHost;

  beforeAll(async () => {
    // TEST-NET-2 (RFC 5737): public, not RFC 1918, and routed nowhere.
    host = await buildStandaloneHost({
      address: '198.51.100.2/24',
      peerAddress: '198.51.100.1/24',
      repoRoot,
    });
  });

  afterAll(async () => {
    await host?.down();
  });

  it('exits 2, says why nothing is in scope, and sends no packet', async () => {
    const before = await host.txPackets();
    const r = await host.exec(process.execPath, [distPaths(repoRoot).agentCli, 'scan'], {
      timeoutMs: 20_000,
    });
    const after = await host.txPackets();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/nothing is in scope/);
    expect(r.stderr).toMatch(/198\.51\.100\.2/); // names the interface it rejected
    expect(r.stderr).toMatch(/private|RFC 1918/);
    expect(after - before).toBe(0);
  });
});
