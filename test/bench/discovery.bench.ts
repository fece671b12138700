/**
 * Discovery benchmark (issues 3 and 15). Builds its own lab — a /20 (4,096 addresses, 256 live)
 * and a /16 (65,536 addresses, 656 live), the rest silently dropped, netem latency; see
 * discovery/lab.ts — and runs, in the scanner namespace, on the same ports and at the same
 * packet-rate cap: camsweep's two-phase discovery (the default), camsweep with
 * `--discovery full`, `nmap -sT` with its default host discovery and `nmap -sT -Pn`.
 * Each row shows wall time against the physical limit (packets the method needs ÷ cap + one
 * timeout), packets sent, live hosts found and peak RSS. Prints figures; asserts nothing.
 * Needs root, iproute2, tc (netem) and nmap; skips with the reason otherwise.
 *
 * Env: CAMSWEEP_BENCH_LABS (`20,16`), CAMSWEEP_BENCH_RATES_20 (`1000`), CAMSWEEP_BENCH_RATES_16
 * (`10000,1000`), CAMSWEEP_BENCH_DELAY_MS (one-way netem delay, default 2),
 * CAMSWEEP_BENCH_SKIP_NMAP=1 (camsweep rows only), CAMSWEEP_BENCH_LIMIT_S (skip a row whose
 * physical limit exceeds this, default 600), CAMSWEEP_BENCH_ROWS (only rows whose label, commas
 * left out, contains one of these comma-separated strings: `two-phase cap,nmap -sT (default`), CAMSWEEP_BENCH_CLI (another build's dist/agent/cli.js).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PORTS, DISCOVERY_PORTS } from '../../src/agent/probes/tcp/ports.js';
import { PACKAGE_ROOT } from '../../src/core/version.js';
import {
  type BenchLab,
  buildLab,
  describeCounters,
  LAB_SIZES,
  type LabSize,
  SCANNER_IP,
  subnetOf,
} from './discovery/lab.js';
import { type Measurement, measure } from './discovery/measure.js';

const DELAY_MS = Number(process.env.CAMSWEEP_BENCH_DELAY_MS ?? 2);
const SKIP_NMAP = process.env.CAMSWEEP_BENCH_SKIP_NMAP === '1';
const LIMIT_S = Number(process.env.CAMSWEEP_BENCH_LIMIT_S ?? 600);
const LABS = (process.env.CAMSWEEP_BENCH_LABS ?? '20,16').split(',') as ('20' | '16')[];
const RATES: Record<'20' | '16', number[]> = {
  '20': (process.env.CAMSWEEP_BENCH_RATES_20 ?? '1000').split(',').map(Number),
  '16': (process.env.CAMSWEEP_BENCH_RATES_16 ?? '10000,1000').split(',').map(Number),
};
/** The connect timeout the physical limit allows once (camsweep's and nmap's initial one). */
const ONE_TIMEOUT_S = 1;
/** Probes nmap's default host discovery sends per address as root (ICMP echo, SYN 443, ACK 80, timestamp). */
const NMAP_DISCOVERY_PROBES = 4;

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

/** The scope camsweep computes: every address but network, broadcast and its own. */
function scopeHosts(size: LabSize): string[] {
  const out: string[] = [];
  for (let k = 1; k < size.addresses - 1; k++) {
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

/**
 * Live lab hosts with at least one open port in camsweep's report, and the ports its phase 1
 * actually tried (the discovery budget may leave some out), which set its physical limit.
 */
function readReport(file: string, live: ReadonlySet<string>): { found: number; phase1?: number } {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      scan: { discovery?: { phase1Ports?: number[] } };
      devices: { ip: string; observations?: { key: string }[] }[];
    };
    const found = report.devices.filter(
      (d) => live.has(d.ip) && (d.observations ?? []).some((o) => o.key === 'tcp.open'),
    ).length;
    const phase1 = report.scan.discovery?.phase1Ports?.length;
    return phase1 === undefined ? { found } : { found, phase1 };
  } catch {
    return { found: Number.NaN };
  }
}

/** Live lab hosts with an open port in nmap's grepable output. */
function liveFromNmap(file: string, live: ReadonlySet<string>): number {
  try {
    const hosts = new Set<string>();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^Host: (\S+) .*Ports: .*\/open\//.exec(line);
      if (m && live.has(m[1]!)) hosts.add(m[1]!);
    }
    return hosts.size;
  } catch {
    return Number.NaN;
  }
}

interface Row {
  readonly label: string;
  /**
   * Packets the method needs at the least (SYNs and discovery probes), given how many ports
   * phase 1 tried (camsweep's report says; before the run, the most it may try).
   */
  needed(phase1?: number): number;
  run(): Promise<{ m: Measurement; found: number; phase1?: number }>;
}

async function benchLab(key: '20' | '16'): Promise<void> {
  const size = LAB_SIZES[key];
  const subnet = subnetOf(size);
  const work = mkdtempSync(join(tmpdir(), 'camsweep-bench-discovery-'));
  const hostsFile = join(work, 'hosts.txt');
  const scope = scopeHosts(size);
  writeFileSync(hostsFile, `${scope.join('\n')}\n`);
  const onePort = join(work, 'one-port.yaml');
  writeFileSync(onePort, 'probes:\n  tcp:\n    discoveryPorts: [80]\n');
  const ports = DEFAULT_PORTS.join(',');
  // CAMSWEEP_BENCH_CLI runs another build (e.g. an older commit's) in the same lab.
  const cli = process.env.CAMSWEEP_BENCH_CLI ?? join(PACKAGE_ROOT, 'dist', 'agent', 'cli.js');
  const lab = buildLab(DELAY_MS, size);
  const live = new Set(lab.live);
  const dead = scope.length - live.size;
  const cleanup = () => {
    lab.teardown();
    rmSync(work, { recursive: true, force: true });
  };
  const onInt = () => {
    cleanup();
    process.exit(130);
  };
  // Interrupted or terminated: the namespaces and the device process go too.
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onInt);
  let stopDevices = () => {};
  try {
    stopDevices = await startDevices(lab);
    process.stdout.write(
      `\nlab ${subnet}: ${size.addresses.toLocaleString('en')} addresses, ${live.size} live (each answers on 80 and 554, ` +
        `some on 8000 and 22), the rest silently dropped; latency ${lab.latency}; ${DEFAULT_PORTS.length} ports\n`,
    );
    const env = { CAMSWEEP_LOG_LEVEL: 'warn' };
    const camsweep = (label: string, rate: number, extra: string[]) => async () => {
      const out = join(work, `${label.replace(/\W+/g, '-')}.json`);
      const argv = [process.execPath, cli, 'scan', subnet, '--format', 'json', '--out', out];
      argv.push('--rate', String(rate), '--timeout', '60m', ...extra);
      const m = await measure(lab, label, argv, { env, limitMs: (LIMIT_S + 120) * 1000 });
      return { m, ...readReport(out, live) };
    };
    const nmap = (label: string, rate: number, extra: string[]) => async () => {
      const out = join(work, `${label.replace(/\W+/g, '-')}.gnmap`);
      const argv = ['nmap', '-sT', '-n', ...extra, '-p', ports, '-iL', hostsFile, '-oG', out];
      argv.push('--max-rate', String(rate));
      const m = await measure(lab, label, argv, { limitMs: (LIMIT_S + 120) * 1000 });
      return { m, found: liveFromNmap(out, live) };
    };
    // Live hosts answer on port 80, the first port phase 1 tries: one connect each.
    const twoPhase = (phase1: number) => live.size * DEFAULT_PORTS.length + dead * phase1;
    const full = scope.length * DEFAULT_PORTS.length;
    for (const rate of RATES[key]) {
      const rows: Row[] = [
        {
          label: `camsweep two-phase, cap ${rate}/s`,
          needed: (phase1 = DISCOVERY_PORTS.length) => twoPhase(phase1),
          run: camsweep(`camsweep two-phase ${rate}`, rate, []),
        },
        {
          label: `camsweep two-phase, phase 1 port 80 only, cap ${rate}/s`,
          needed: () => twoPhase(1),
          run: camsweep(`camsweep two-phase p80 ${rate}`, rate, ['--config', onePort]),
        },
        {
          label: `camsweep --discovery full, cap ${rate}/s`,
          needed: () => full,
          run: camsweep(`camsweep full ${rate}`, rate, ['--discovery', 'full']),
        },
      ];
      if (!SKIP_NMAP)
        rows.push(
          {
            label: `nmap -sT (default discovery), cap ${rate}/s`,
            needed: () => scope.length * NMAP_DISCOVERY_PROBES + live.size * DEFAULT_PORTS.length,
            run: nmap(`nmap default ${rate}`, rate, []),
          },
          {
            label: `nmap -sT -Pn, cap ${rate}/s`,
            needed: () => full,
            run: nmap(`nmap Pn ${rate}`, rate, ['-Pn']),
          },
        );
      process.stdout.write(
        `\n${'run'.padEnd(50)} ${'wall'.padStart(8)} ${'limit'.padStart(8)} ${'ratio'.padStart(6)} ${'packets'.padStart(9)} ${'pkt/s'.padStart(7)}  live found  peak RSS     CPU  exit  load\n`,
      );
      const only = process.env.CAMSWEEP_BENCH_ROWS;
      // Labels are matched without their commas ("two-phase cap 1000" picks one row).
      const picked = (label: string) =>
        !only || only.split(',').some((o) => label.replaceAll(',', '').includes(o.trim()));
      for (const row of rows.filter((r) => picked(r.label))) {
        // Skipped only when even the cheapest plan it could choose is too long.
        const leastS = row.needed(1) / rate + ONE_TIMEOUT_S;
        if (leastS > LIMIT_S) {
          process.stdout.write(
            `${row.label.padEnd(50)} skipped: its physical limit ${leastS.toFixed(0)} s exceeds CAMSWEEP_BENCH_LIMIT_S=${LIMIT_S}\n`,
          );
          continue;
        }
        const { m, found, phase1 } = await row.run();
        const limitS = row.needed(phase1) / rate + ONE_TIMEOUT_S;
        const s = m.wallMs / 1000;
        const rss = Number.isFinite(m.peakRssMb) ? `${m.peakRssMb.toFixed(0)} MB` : 'n/a';
        process.stdout.write(
          `${row.label.padEnd(50)} ${`${s.toFixed(1)} s`.padStart(8)} ${`${limitS.toFixed(1)} s`.padStart(8)} ${(s / limitS).toFixed(2).padStart(6)} ${String(m.packets).padStart(9)} ${String(Math.round(m.packets / s)).padStart(7)}  ${`${found}/${live.size}`.padStart(10)}  ${rss.padStart(8)}  ${`${m.cpuS.toFixed(1)} s`.padStart(6)}  ${String(m.exitCode).padStart(4)}  ${m.load.toFixed(1)}${m.load > 4 ? ' (busy machine)' : ''}\n`,
        );
        const plan = phase1 === undefined ? '' : `; phase 1 tried ${phase1} port${phase1 === 1 ? '' : 's'}`;
        process.stdout.write(`${''.padEnd(4)}sent: ${describeCounters(m.sent)}${plan}\n`);
      }
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onInt);
    stopDevices();
    cleanup();
  }
}

async function main(): Promise<void> {
  const why = skipReason();
  if (why) {
    process.stdout.write(`discovery benchmark skipped: ${why}\n`);
    return;
  }
  process.stdout.write(
    'limit = packets the method needs ÷ cap + one 1 s timeout; ratio = wall ÷ limit; packets = what the scanner namespace transmitted\n',
  );
  for (const key of LABS) await benchLab(key);
}

await main();
