/**
 * A user who already runs nmap: real `nmap -sV -oX` runs inside the lab's scanner namespace,
 * then `camsweep identify --from nmap-xml` on their files must reach the same verdict and
 * maker as `camsweep scan` for every covered device in the same lab, and must not call the
 * other devices covered. Needs root and nmap (.ci/apt-packages); skips with the reason outside CI.
 *
 * nmap is kept bounded: only the lab's hosts and ports, -T4, one retry, version intensity 0,
 * a host timeout. The RTSP port gets the rtsp-methods script without -sV (the simulators stay
 * silent on nmap's non-RTSP probes, which -sV would wait out one by one); the files are given
 * to identify together, as a user combining runs would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device, Report } from '../../src/contract/types.js';
import { fixturesRoot, loadFixtures } from '../lab/fixtures.js';
import { buildLab, type ExecResult, findRepoRoot, type Lab } from '../lab/lab.js';
import { commandExists } from '../lab/netns.js';
import { distPaths, labSkipReason } from '../lab/preflight.js';

const labReason = await labSkipReason();
const skipReason =
  labReason ?? ((await commandExists('nmap')) ? null : 'nmap is not installed (.ci/apt-packages)');
const skip = skipReason !== null && !process.env.CI;
if (skip) console.warn(`nmap import end-to-end tests skipped: ${skipReason}`);

const repoRoot = findRepoRoot();
const DEVICES = [
  'hikvision-ds-2cd2385g1-i',
  'dahua-nvr4108hs-8p-4ks2',
  'hikvision-ds-7608ni-k2',
  'axis-p3245',
  'generic-nginx',
];
const fixtures = loadFixtures(fixturesRoot(repoRoot), DEVICES);
const lanIps = fixtures.filter((f) => f.subnet === 'lan').map((f) => f.ip);
const remoteIps = fixtures.filter((f) => f.subnet === 'remote').map((f) => f.ip);
const NMAP_BOUNDS = ['-n', '-Pn', '-T4', '--max-retries', '1', '--host-timeout', '45s'];
const WEB_AND_SNMP = [
  ...['-sS', '-sU', '-sV', '--version-intensity', '0', '-p', 'T:80,443,U:161'],
  ...['--script', 'http-title,http-server-header,ssl-cert,snmp-sysdescr'],
];
const RTSP_AND_VENDOR_PORTS = ['-sS', '-p', 'T:554,8000,37777', '--script', 'rtsp-methods'];

interface Line {
  host: string;
  identity: Device['identity'];
  verdict: Device['verdict'];
  evidence: Device['evidence'];
  partial?: boolean;
}

function parseJson<T>(r: ExecResult, what: string): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${what} printed no JSON (exit ${r.code}); stderr: ${r.stderr.slice(-1500)}`);
  }
}

describe.skipIf(skip)('identify --from nmap-xml against the lab', () => {
  let lab: Lab;
  let dir: string;
  let scans: Report[];
  let nmapRuns: ExecResult[];
  let imported: ExecResult;

  beforeAll(async () => {
    lab = await buildLab({ repoRoot, only: DEVICES });
    dir = mkdtempSync(join(tmpdir(), 'camsweep-nmap-e2e-'));
    const xml = (name: string) => join(dir, `${name}.xml`);
    const nmap = (name: string, args: string[], targets: string[]) =>
      lab.exec('nmap', [...NMAP_BOUNDS, ...args, '-oX', xml(name), ...targets], { timeoutMs: 55_000 });
    // Both tools get the same targets: the lab's hosts, named one by one.
    const scan = lab.scan([...lanIps, ...remoteIps, '--format', 'json'], { timeoutMs: 90_000 });
    const started = Date.now();
    // The nmap runs at once: each is its own process with its own sockets.
    nmapRuns = await Promise.all([
      nmap('lan-web', WEB_AND_SNMP, lanIps),
      nmap('remote-web', WEB_AND_SNMP, remoteIps),
      nmap('rtsp', RTSP_AND_VENDOR_PORTS, [...lanIps, ...remoteIps]),
    ]);
    console.info(
      `nmap runs took ${Date.now() - started} ms (${nmapRuns.map((r) => r.durationMs).join(', ')} ms)`,
    );
    scans = [parseJson<Report>(await scan, 'camsweep scan')];
    imported = await lab.exec(
      process.execPath,
      [
        distPaths(repoRoot).agentCli,
        'identify',
        '--from',
        'nmap-xml',
        xml('lan-web'),
        xml('remote-web'),
        xml('rtsp'),
      ],
      { timeoutMs: 30_000 },
    );
  }, 180_000);

  afterAll(async () => {
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const devices = () => scans.flatMap((r) => r.devices);
  const lines = (): Line[] =>
    imported.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  it('runs nmap to completion on every lab host, without a host timeout', () => {
    for (const r of nmapRuns) expect(r.code, r.stderr.slice(-1500)).toBe(0);
    expect(imported.code, imported.stderr).toBe(0);
    expect(lines().filter((l) => l.partial)).toEqual([]);
  });

  for (const fixture of fixtures) {
    it(`${fixture.name}: nmap's view gives what camsweep scan concludes`, () => {
      const scanned = devices().find((d) => d.ip === fixture.ip);
      const line = lines().find((l) => l.host === fixture.ip);
      expect(scanned, `camsweep scan did not report ${fixture.ip}`).toBeDefined();
      expect(
        line,
        `identify --from nmap-xml did not report ${fixture.ip}:\n${imported.stdout}`,
      ).toBeDefined();
      const context = `scan: ${JSON.stringify(scanned!.identity)} ${scanned!.verdict}\nnmap: ${JSON.stringify(line)}`;
      if (scanned!.verdict === 'covered') {
        // The promise to a user of nmap: every covered device the scan finds, the import finds.
        expect(line!.verdict, context).toBe('covered');
        expect(line!.identity.manufacturer, context).toBe(scanned!.identity.manufacturer);
        expect(line!.evidence.every((e) => e.probe === 'nmap')).toBe(true);
      } else {
        expect(['covered', 'suspect'], context).not.toContain(line!.verdict);
      }
    });
  }

  it('covers the three covered lab devices at all (the comparison above is not vacuous)', () => {
    const covered = devices()
      .filter((d) => d.verdict === 'covered')
      .map((d) => d.ip);
    expect(covered).toEqual(
      expect.arrayContaining(fixtures.filter((f) => f.expected?.verdict === 'covered').map((f) => f.ip)),
    );
    expect(lines().filter((l) => l.verdict === 'covered')).toHaveLength(3);
  });
});
