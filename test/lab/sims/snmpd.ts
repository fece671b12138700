/**
 * Debian's real Net-SNMP agent (`snmpd`) as a lab device's SNMP agent — docs/protocols.md §7.2
 * verified this setup playing a Hikvision NVR. The fixture's answer file holds the agent's
 * identity as snmpd.conf directives (`sysDescr`, `sysObjectID`, `sysName`, and
 * `override OID TYPE VALUE` for vendor scalars); this sim adds where to listen, the
 * read-only community, an optional v3 user, and runs snmpd in the foreground.
 *
 * Spec: `conf` (answer file), `community` (default public), `port` (default 161),
 * `v3: { user, password }` (SHA/AES user, lab-only secret).
 *
 * Also exports `runDaemon`, the child-process handling shared with the snmpsim and avahi sims.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAnswer } from './answers.js';
import type { RunningSim, SimContext } from './types.js';

export const requires = ['snmpd'];

export interface Daemon {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `cmd`, sends its output to the device log, and resolves once a line of output
 * matches `ready` (or rejects when it exits first or `readyMs` passes).
 */
export function runDaemon(
  ctx: Pick<SimContext, 'log'>,
  cmd: string,
  args: readonly string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; readyMs?: number; cleanup?: () => void } = {},
): Promise<Daemon> {
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        options.cleanup?.();
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const kill = setTimeout(() => child.kill('SIGKILL'), 1500);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () => fail(new Error(`${cmd}: not ready after ${options.readyMs ?? 5000} ms`)),
      options.readyMs ?? 5000,
    );
    function fail(err: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(err));
    }
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        ctx.log(`${cmd}: ${line.trimEnd()}`);
        if (!settled && ready.test(line)) {
          settled = true;
          clearTimeout(timer);
          resolve({ child, stop });
        }
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    child.once('error', (err) => fail(err));
    child.once('exit', (code, signal) =>
      fail(new Error(`${cmd} exited (${code ?? signal}) before it was ready`)),
    );
  });
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  if (typeof ctx.spec.conf !== 'string') throw new Error('snmpd: spec.conf (answer file) is required');
  const port = Number(ctx.spec.port ?? 161);
  const community = String(ctx.spec.community ?? 'public');
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-snmpd-'));
  const lines = [`agentAddress udp:${ctx.ip}:${port}`, `rocommunity ${community} default`];
  const v3 = ctx.spec.v3 as { user?: unknown; password?: unknown } | undefined;
  if (v3 && typeof v3.user === 'string' && typeof v3.password === 'string') {
    lines.push(`createUser ${v3.user} SHA "${v3.password}" AES "${v3.password}"`, `rouser ${v3.user} priv`);
  }
  lines.push(readAnswer(ctx, ctx.spec.conf));
  writeFileSync(join(dir, 'snmpd.conf'), `${lines.join('\n')}\n`, { mode: 0o600 });
  // -C: only our config; -M /dev/null: no MIB files; -I: skip the interface tables, which
  // would otherwise show the lab namespace's links; SNMP_PERSISTENT_DIR keeps parallel
  // agents from sharing /var/lib/snmp.
  const daemon = await runDaemon(
    ctx,
    'snmpd',
    [
      '-f',
      '-Lo',
      '-C',
      '-c',
      join(dir, 'snmpd.conf'),
      '-p',
      join(dir, 'snmpd.pid'),
      '-M',
      '/dev/null',
      '-I',
      '-ifTable,-ipAddressTable,-ifXTable',
    ],
    /NET-SNMP version/,
    {
      env: { SNMP_PERSISTENT_DIR: dir, MIBS: '' },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    },
  );
  return { stop: () => daemon.stop() };
}
