/**
 * Debian's real mDNS responder, avahi-daemon, publishing a fixture's DNS-SD services
 * (docs/protocols.md §7.2). Three things make it usable per lab device:
 * * avahi reads static services only from its compiled-in /etc/avahi/services and keeps its
 *   pid file in /run/avahi-daemon, so it runs in a private mount namespace (`unshare -m`)
 *   with a per-device services folder and a tmpfs bind-mounted over those two paths — the
 *   host's files are never touched and parallel labs do not see each other's daemon;
 * * `host-name` in its config makes the SRV target `<host-name>.local`, which is how a
 *   Hikvision camera announces its full serial (§5.6);
 * * D-Bus is off (`enable-dbus=no`), IPv6 off, and it is held to the device's interface.
 * avahi skips loopback, so it needs a real (veth) interface: the lab's, or a test's own pair.
 *
 * Spec: `services` (answer file, avahi service-group XML), `hostName` (default: the device
 * name avahi would pick otherwise).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAnswer } from './answers.js';
import { type Daemon, runDaemon } from './snmpd.js';
import type { RunningSim, SimContext } from './types.js';

export const requires = ['avahi-daemon', 'unshare', 'mount'];

/** Writes avahi's config and services into a fresh folder; returns it and the command line. */
export function prepareAvahi(ctx: SimContext): { dir: string; cmd: string; args: string[] } {
  if (typeof ctx.spec.services !== 'string')
    throw new Error('avahi: spec.services (answer file) is required');
  const hostName = ctx.spec.hostName === undefined ? null : String(ctx.spec.hostName);
  if (hostName !== null && !/^[A-Za-z0-9-]{1,63}$/.test(hostName))
    throw new Error('avahi: hostName must be one DNS label');
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-avahi-'));
  mkdirSync(join(dir, 'services'));
  writeFileSync(join(dir, 'services', 'fixture.service'), readAnswer(ctx, ctx.spec.services));
  const conf = [
    '[server]',
    ...(hostName ? [`host-name=${hostName}`] : []),
    'domain-name=local',
    'use-ipv4=yes',
    'use-ipv6=no',
    `allow-interfaces=${ctx.iface}`,
    'enable-dbus=no',
    '[wide-area]',
    'enable-wide-area=no',
    '[publish]',
    'publish-hinfo=no',
    'publish-workstation=no',
    '[reflector]',
    'enable-reflector=no',
  ];
  writeFileSync(join(dir, 'avahi.conf'), `${conf.join('\n')}\n`);
  const script = [
    'set -e',
    'mkdir -p /run/avahi-daemon',
    'mount -t tmpfs tmpfs /run/avahi-daemon',
    `mount --bind '${dir}/services' /etc/avahi/services`,
    `exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title -f '${dir}/avahi.conf'`,
  ].join('\n');
  return { dir, cmd: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', script] };
}

/** Runs a prepared avahi, optionally prefixed (a test runs it through `ip netns exec`). */
export async function runAvahi(
  ctx: Pick<SimContext, 'log'>,
  prepared: { dir: string; cmd: string; args: string[] },
  prefix: readonly string[] = [],
): Promise<Daemon> {
  const argv = [...prefix, prepared.cmd, ...prepared.args];
  return runDaemon(ctx, argv[0]!, argv.slice(1), /Server startup complete/, {
    cleanup: () => rmSync(prepared.dir, { recursive: true, force: true }),
  });
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  const daemon = await runAvahi(ctx, prepareAvahi(ctx));
  return { stop: () => daemon.stop() };
}
