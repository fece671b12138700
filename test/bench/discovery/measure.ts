/**
 * Runs one scanner command inside the benchmark's scanner namespace and measures it: wall
 * time, packets the namespace transmitted, and the peak resident set size of the process
 * (GNU time's %M: `ip netns exec` execs the command, so it is the scanner's own peak), its CPU
 * time, what
 * kinds of packets those were, and the machine's load when it ended.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchLab, counterDelta, scannerCounters, type TxCounters } from './lab.js';

export interface Measurement {
  readonly label: string;
  readonly wallMs: number;
  readonly packets: number;
  readonly peakRssMb: number;
  /** CPU seconds the scanner used (user + system): comparable across runs on a busy machine. */
  readonly cpuS: number;
  readonly exitCode: number | null;
  /** What the scanner namespace sent, by kind. */
  readonly sent: TxCounters;
  /** The machine's 1-minute load average when the run ended (other work shares the cores). */
  readonly load: number;
}

/** The 1-minute load average (`uptime`'s first figure). */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

export async function measure(
  lab: BenchLab,
  label: string,
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; limitMs: number },
): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-bench-'));
  const timeFile = join(dir, 'time');
  const before = scannerCounters(lab);
  const started = performance.now();
  const child = spawn(
    '/usr/bin/time',
    ['-f', '%M %U %S', '-o', timeFile, 'ip', 'netns', 'exec', lab.scannerNs, ...argv],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.limitMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearTimeout(killer);
  const wallMs = performance.now() - started;
  const sent = counterDelta(scannerCounters(lab), before);
  const load = loadAverage();
  let peakRssMb = Number.NaN;
  let cpuS = Number.NaN;
  try {
    const [rss, user, sys] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ');
    peakRssMb = Number(rss) / 1024;
    cpuS = Number(user) + Number(sys);
  } catch {
    // killed before GNU time wrote its line
  }
  rmSync(dir, { recursive: true, force: true });
  if (exitCode !== 0 && exitCode !== 3)
    process.stderr.write(`bench: ${label} exited ${exitCode}:\n${stderr}\n`);
  return { label, wallMs, packets: sent.tx, peakRssMb, cpuS, exitCode, sent, load };
}
