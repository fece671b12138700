/**
 * snmpsim (Debian `snmpsim`, `snmpsimd`) serving a fixture's `.snmprec` walk — one line per
 * OID, `OID|type|value` — as the device's SNMP agent (docs/protocols.md §7.2, verified playing a
 * Dahua NVR). snmpsim takes the community from the data file's name, so the file is copied
 * to `<community>.snmprec` in a private data folder.
 *
 * Spec: `data` (answer file, placeholders filled), `community` (default public), `port`
 * (default 161).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAnswer } from './answers.js';
import { runDaemon } from './snmpd.js';
import type { RunningSim, SimContext } from './types.js';

export const requires = ['snmpsimd'];

export async function start(ctx: SimContext): Promise<RunningSim> {
  if (typeof ctx.spec.data !== 'string')
    throw new Error('snmpsim: spec.data (.snmprec answer file) is required');
  const community = String(ctx.spec.community ?? 'public');
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(community))
    throw new Error('snmpsim: community must be a plain word (it is a file name)');
  const port = Number(ctx.spec.port ?? 161);
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-snmpsim-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const cache = join(dir, 'cache');
  mkdirSync(data, { mode: 0o755 });
  mkdirSync(cache, { mode: 0o777 });
  chmodSync(cache, 0o777); // snmpsimd drops to nobody and must write its index here
  writeFileSync(join(data, `${community}.snmprec`), readAnswer(ctx, ctx.spec.data), { mode: 0o644 });
  const args = [
    `--data-dir=${data}`,
    `--agent-udpv4-endpoint=${ctx.ip}:${port}`,
    `--cache-dir=${cache}`,
    // As root it refuses to run without somewhere to drop privileges to.
    '--process-user=nobody',
    '--process-group=nogroup',
  ];
  const daemon = await runDaemon(ctx, 'snmpsimd', args, /Listening at|listening on|UDP\/IPv4 endpoint/i, {
    readyMs: 15_000,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
  return { stop: () => daemon.stop() };
}
