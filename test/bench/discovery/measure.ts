/**
 * Runs one scanner command inside the benchmark's scanner namespace and measures it: wall
 * time, packets the namespace transmitted, and the peak resident set size of the process
 * (GNU time's %M: `ip netns exec` execs the command, so it is the scanner's own peak).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchLab, scannerTxPackets } from './lab.js';

export interface Measurement {
  readonly label: string;
  readonly wallMs: number;
  readonly packets: number;
  readonly peakRssMb: number;
  readonly exitCode: number | null;
}

export async function measure(
  lab: BenchLab,
  label: string,
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; limitMs: number },
): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-bench-'));
  const timeFile = join(dir, 'time');
  const before = scannerTxPackets(lab);
  const started = performance.now();
  const child = spawn(
    '/usr/bin/time',
    ['-f', '%M', '-o', timeFile, 'ip', 'netns', 'exec', lab.scannerNs, ...argv],
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
  const packets = scannerTxPackets(lab) - before;
  let peakRssMb = Number.NaN;
  try {
    peakRssMb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024;
  } catch {
    // killed before GNU time wrote its line
  }
  rmSync(dir, { recursive: true, force: true });
  if (exitCode !== 0 && exitCode !== 3)
    process.stderr.write(`bench: ${label} exited ${exitCode}:\n${stderr}\n`);
  return { label, wallMs, packets, peakRssMb, exitCode };
}
