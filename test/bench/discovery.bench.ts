/**
 * Discovery benchmark (issue 3). Builds its own lab of 4,096 addresses (a /20: 256 live
 * hosts, the rest silently dropped, netem latency; see discovery/lab.ts), then runs, in the
 * scanner namespace and on the same ports:
 *   camsweep's default profile (the built CLI, every probe) and `nmap -sT -Pn`, both at the
 *   same packet-rate cap; then camsweep's TCP sweep alone, its whole discovery and nmap,
 *   all uncapped.
 * Prints wall times, the camsweep/nmap ratio, packets per second and camsweep's peak RSS.
 * Targets: capped, camsweep's whole discovery ≤ nmap's sweep alone; uncapped sweep no slower
 * than nmap; peak RSS < 200 MB. Prints figures and the verdict; asserts nothing.
 * Needs root, iproute2, tc (netem) and nmap; skips with the reason otherwise.
 *
 * Env: CAMSWEEP_BENCH_RATE (cap, default 1000 = camsweep's default), CAMSWEEP_BENCH_DELAY_MS
 * (one-way netem delay, default 2).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PORTS } from '../../src/agent/probes/tcp/ports.js';
import { PACKAGE_ROOT } from '../../src/core/version.js';
import { type BenchLab, buildLab, SCANNER_IP } from './discovery/lab.js';
import { type Measurement, measure } from './discovery/measure.js';

const RATE = Number(process.env.CAMSWEEP_BENCH_RATE ?? 1000);
const DELAY_MS = Number(process.env.CAMSWEEP_BENCH_DELAY_MS ?? 2);
/** `CAMSWEEP_BENCH_SKIP_NMAP=1` runs only camsweep's rows (the nmap runs take minutes). */
const SKIP_NMAP = process.env.CAMSWEEP_BENCH_SKIP_NMAP === '1';
const RUN_LIMIT_MS = 20 * 60_000;

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['ip', 'tc', 'nmap']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `needs ${tool} (apt-get install -y iproute2 nmap)`;
    }
  }
  return null;
}

/** The scope camsweep computes for the /20: every address but network, broadcast and its own. */
function scopeHosts(): string[] {
  const out: string[] = [];
  for (let k = 1; k < 4095; k++) {
    const a = `10.64.${k >> 8}.${k & 255}`;
    if (a !== SCANNER_IP) out.push(a);
  }
  return out;
}

async function startDevices(lab: BenchLab): Promise<() => void> {
  const script = join(PACKAGE_ROOT, 'dist', 'test', 'bench', 'discovery', 'devices.js');
  const child = spawn('ip', ['netns', 'exec', lab.devicesNs, process.execPath, script, ...lab.live], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`device process exited ${code}`)));
  });
  return () => child.kill('SIGKILL');
}

function openFromReport(file: string): number {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      devices: { observations?: { key: string }[]; evidence?: { key: string }[] }[];
    };
    return report.devices.reduce(
      (n, d) => n + (d.observations ?? []).filter((o) => o.key === 'tcp.open').length,
      0,
    );
  } catch {
    return Number.NaN;
  }
}

function openFromNmap(file: string): number {
  try {
    return (readFileSync(file, 'utf8').match(/\/open\/tcp\//g) ?? []).length;
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const why = skipReason();
  if (why) {
    process.stdout.write(`discovery benchmark skipped: ${why}\n`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'camsweep-bench-discovery-'));
  const hostsFile = join(work, 'hosts.txt');
  writeFileSync(hostsFile, `${scopeHosts().join('\n')}\n`);
  const ports = DEFAULT_PORTS.join(',');
  const cli = join(PACKAGE_ROOT, 'dist', 'agent', 'cli.js');
  const lab = buildLab(DELAY_MS);
  const cleanup = () => {
    lab.teardown();
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  let stopDevices = () => {};
  try {
    stopDevices = await startDevices(lab);
    process.stdout.write(
      `lab: 10.64.0.0/20 (4,096 addresses, ${lab.live.length} live, rest silently dropped), latency ${lab.latency}, ${DEFAULT_PORTS.length} ports\n`,
    );
    const env = { CAMSWEEP_LOG_LEVEL: 'warn' };
    const camsweep = (label: string, rate: number, extra: string[] = []) => {
      const out = join(work, `${label.replace(/\W+/g, '-')}.json`);
      const argv = [
        process.execPath,
        cli,
        'scan',
        '10.64.0.0/20',
        '--format',
        'json',
        '--out',
        out,
        '--rate',
        String(rate),
        '--timeout',
        '20m',
        ...extra,
      ];
      return measure(lab, label, argv, { env, limitMs: RUN_LIMIT_MS }).then((m) => ({
        m,
        open: openFromReport(out),
      }));
    };
    const nmap = (label: string, rate: number) => {
      const out = join(work, `${label.replace(/\W+/g, '-')}.gnmap`);
      const argv = [
        'nmap',
        '-sT',
        '-Pn',
        '-n',
        '-p',
        ports,
        '-iL',
        hostsFile,
        '-oG',
        out,
        ...(rate > 0 ? ['--max-rate', String(rate)] : []),
      ];
      return measure(lab, label, argv, { limitMs: RUN_LIMIT_MS }).then((m) => ({
        m,
        open: openFromNmap(out),
      }));
    };

    // Each row is printed as soon as its run ends: the nmap runs take minutes.
    const row = async (work: Promise<{ m: Measurement; open: number }>) => {
      const r = await work;
      const { m, open } = r;
      const s = m.wallMs / 1000;
      const rss = Number.isFinite(m.peakRssMb) ? `${m.peakRssMb.toFixed(0)} MB` : 'n/a';
      process.stdout.write(
        `${m.label.padEnd(42)} ${s.toFixed(1).padStart(7)} s  ${String(Math.round(m.packets / s)).padStart(6)} pkt/s  ${String(m.packets).padStart(7)} pkts  open ${String(open).padStart(4)}  peak RSS ${rss}  exit ${m.exitCode}\n`,
      );
      return r;
    };
    process.stdout.write('\n');
    const capCam = await row(camsweep(`camsweep whole discovery, cap ${RATE}/s`, RATE));
    const capNmap = SKIP_NMAP ? null : await row(nmap(`nmap -sT -Pn, cap ${RATE}/s`, RATE));
    const freeSweep = await row(camsweep('camsweep TCP sweep only, uncapped', 0, ['--probes', 'tcp']));
    const freeCam = await row(camsweep('camsweep whole discovery, uncapped', 0));
    const freeNmap = SKIP_NMAP ? null : await row(nmap('nmap -sT -Pn, uncapped', 0));

    const peak = Math.max(...[capCam, freeSweep, freeCam].map((r) => r.m.peakRssMb));
    process.stdout.write('\n');
    process.stdout.write(`peak RSS: ${peak.toFixed(0)} MB (target < 200) ${peak < 200 ? 'MET' : 'MISSED'}\n`);
    if (!capNmap || !freeNmap) return;
    const ratio = (a: Measurement, b: Measurement) => (a.wallMs / b.wallMs).toFixed(2);
    process.stdout.write(
      `capped:   camsweep whole discovery / nmap sweep = ${ratio(capCam.m, capNmap.m)} (target ≤ 1) ${capCam.m.wallMs <= capNmap.m.wallMs ? 'MET' : 'MISSED'}\n`,
    );
    process.stdout.write(
      `uncapped: camsweep sweep / nmap sweep = ${ratio(freeSweep.m, freeNmap.m)} (target ≤ 1) ${freeSweep.m.wallMs <= freeNmap.m.wallMs ? 'MET' : 'MISSED'}; whole discovery / nmap = ${ratio(freeCam.m, freeNmap.m)}\n`,
    );
  } finally {
    stopDevices();
    cleanup();
  }
}

await main();
