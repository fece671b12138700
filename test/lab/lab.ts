/**
 * Builds the lab network (README "Topology") from the device fixtures, starts one device
 * runner per fixture inside its namespace, and tears everything down again, even when the
 * owning process fails or is interrupted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { own, release } from './cleanup.js';
import { type DeviceFixture, fixturesRoot, loadFixtures, SCANNER_HOST, SUBNETS } from './fixtures.js';
import { addNamespace, inNs, ipBatch, waitForCarrier } from './netns.js';
import { distPaths, preflight } from './preflight.js';
import {
  isStale,
  type LabDeviceState,
  type LabState,
  listStates,
  saveState,
  stateRoot,
  teardownSync,
} from './state.js';

export interface BuildOptions {
  /** Fixture folder names to include; all when empty. */
  readonly only?: readonly string[];
  /** `lab up`: the lab outlives this process (torn down by `lab down`). */
  readonly persistent?: boolean;
  /** How long a device may take to print its ready line. */
  readonly readyTimeoutMs?: number;
  readonly repoRoot?: string;
  /** Fixture folder to build from (default test/fixtures/devices). */
  readonly fixturesDir?: string;
}

export interface ReadyReport {
  readonly started: readonly string[];
  readonly missing: readonly string[];
  readonly failed: readonly { readonly name: string; readonly error: string }[];
}

export interface LabDevice extends LabDeviceState {
  readonly fixture: DeviceFixture;
  readonly ready: ReadyReport;
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface ExecOptions {
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Lab {
  readonly id: string;
  readonly state: LabState;
  readonly repoRoot: string;
  readonly scannerNs: string;
  readonly scannerIp: string;
  readonly devices: readonly LabDevice[];
  /** Runs a program inside the scanner namespace. */
  exec(cmd: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** `node dist/agent/cli.js scan ARGS` inside the scanner namespace. */
  scan(args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Services listed in device.yaml that have no simulator yet, per device. */
  missingSims(): { device: string; sims: readonly string[] }[];
  /** The tail of a device's log (for failure messages). */
  deviceLog(name: string, maxBytes?: number): string;
  down(): Promise<void>;
}

const LAN_PREFIX = SUBNETS.lan.prefix;
const REMOTE_PREFIX = SUBNETS.remote.prefix;
const ROUTER_LAN_IP = `${LAN_PREFIX}.${SUBNETS.lan.gateway}`;
const ROUTER_REMOTE_IP = `${REMOTE_PREFIX}.${SUBNETS.remote.gateway}`;
const MULTICAST_ROUTE = 'route add 224.0.0.0/4 dev eth0';
const BRIDGE_OF: Readonly<Record<DeviceFixture['subnet'], string>> = {
  lan: 'br0',
  remote: 'br1',
  isolated: 'br2',
};

/** Routes a device gets: lan joins multicast, remote routes back via the router, isolated none. */
function deviceRoutes(subnet: string): string[] {
  if (subnet === 'lan') return [MULTICAST_ROUTE];
  if (subnet === 'remote') return [`route add ${LAN_PREFIX}.0/24 via ${ROUTER_REMOTE_IP}`];
  return [];
}

export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'fixtures'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the camsweep checkout above ${from}`);
    dir = up;
  }
}

/** Labs whose owner died (SIGKILL, OOM): removed before a new lab is built. */
export function reapStaleLabs(repoRoot: string, root = stateRoot(repoRoot)): string[] {
  const reaped: string[] = [];
  for (const state of listStates(root)) {
    if (isStale(state)) {
      teardownSync(state);
      reaped.push(state.id);
    }
  }
  return reaped;
}

function veth(lanPort: string, peerNs: string, peerName: string): string {
  return `link add ${lanPort} type veth peer name ${peerName} netns ${peerNs}`;
}

function randomLocalMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfc) | 0x02; // locally administered, unicast: never a real vendor OUI
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

async function buildSwitch(
  state: LabState,
  lanNs: string,
  devices: readonly DeviceFixture[],
  ns: (r: string) => string,
) {
  // br2 is the isolated VLAN segment: no router port, no scanner port.
  const lines = ['link add br0 type bridge', 'link add br1 type bridge', 'link add br2 type bridge'];
  lines.push(
    veth('s0', state.scannerNs, 'eth0'),
    veth('r0', ns('rtr'), 'eth0'),
    veth('r1', ns('rtr'), 'eth1'),
  );
  devices.forEach((_d, i) => {
    lines.push(veth(`d${i}`, ns(`d${i}`), 'eth0'));
  });
  const ports: [string, string][] = [
    ['s0', 'br0'],
    ['r0', 'br0'],
    ['r1', 'br1'],
    ...devices.map((d, i): [string, string] => [`d${i}`, BRIDGE_OF[d.subnet]]),
  ];
  // Forward multicast immediately: with snooping on, a bridge drops groups nobody has
  // joined by IGMP yet, and discovery replies would race the joins.
  for (const br of ['br0', 'br1', 'br2']) lines.push(`link set ${br} type bridge mcast_snooping 0`);
  for (const [port, bridge] of ports) lines.push(`link set ${port} master ${bridge}`, `link set ${port} up`);
  lines.push('link set br0 up', 'link set br1 up', 'link set br2 up');
  await ipBatch(lanNs, lines);
}

function hostLines(address: string, mac: string, routes: readonly string[]): string[] {
  return [
    'link set lo up',
    `link set eth0 address ${mac}`,
    `addr add ${address} dev eth0`,
    'link set eth0 up',
    ...routes,
  ];
}

function waitReady(child: ChildProcess, name: string, timeoutMs: number, log: string): Promise<ReadyReport> {
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      reject(new Error(`device ${name}: ${why}; see ${log}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`runner exited early (code ${code}, signal ${signal})`));
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data');
      try {
        resolvePromise(JSON.parse(buf.slice(0, nl)) as ReadyReport);
      } catch {
        reject(new Error(`device ${name}: unreadable ready line ${JSON.stringify(buf.slice(0, 200))}`));
      }
    });
  });
}

function startDevice(
  state: LabState,
  d: LabDeviceState,
  fixture: DeviceFixture,
  runner: string,
  persistent: boolean,
) {
  const logFd = openSync(d.log, 'a');
  try {
    const args = [
      'netns',
      'exec',
      d.ns,
      process.execPath,
      runner,
      fixture.dir,
      '--ip',
      d.ip,
      '--iface',
      'eth0',
      '--mac',
      d.mac,
    ];
    // `ip netns exec` execs node in place, so the pid we record is the runner itself.
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', logFd], detached: true });
    d.pid = child.pid ?? -1;
    saveState(state);
    if (persistent) child.unref();
    return child;
  } finally {
    closeSync(logFd);
  }
}

function execIn(
  ns: string,
  cmd: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: Date.now() - started,
      });
    });
  });
}

export async function buildLab(options: BuildOptions = {}): Promise<Lab> {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const fixtures = loadFixtures(options.fixturesDir ?? fixturesRoot(repoRoot), options.only);
  await preflight(repoRoot, fixtures);
  reapStaleLabs(repoRoot);

  const id = randomBytes(3).toString('hex');
  const ns = (role: string) => `csl${id}-${role}`;
  const dir = join(stateRoot(repoRoot), id);
  const state: LabState = {
    id,
    createdAt: new Date().toISOString(),
    owner: options.persistent ? 0 : process.pid,
    dir,
    namespaces: [],
    scannerNs: ns('scan'),
    devices: fixtures.map((f, i) => ({
      name: f.name,
      ns: ns(`d${i}`),
      ip: f.ip,
      mac: f.mac,
      subnet: f.subnet,
      pid: 0,
      log: join(dir, `${f.name}.log`),
    })),
  };
  if (!options.persistent) own(state);
  const down = async () => release(state);

  try {
    const lanNs = ns('lan');
    const all = [lanNs, state.scannerNs, ns('rtr'), ...state.devices.map((d) => d.ns)];
    state.namespaces.push(...all);
    saveState(state); // recorded before creation: a crash mid-build is still cleanable
    await Promise.all(all.map(addNamespace));
    await buildSwitch(state, lanNs, fixtures, ns);

    const scannerIp = `${LAN_PREFIX}.${SCANNER_HOST}`;
    await Promise.all([
      ipBatch(
        state.scannerNs,
        hostLines(`${scannerIp}/24`, randomLocalMac(), [
          MULTICAST_ROUTE,
          `route add ${REMOTE_PREFIX}.0/24 via ${ROUTER_LAN_IP}`,
        ]),
      ),
      ipBatch(ns('rtr'), [
        ...hostLines(`${ROUTER_LAN_IP}/24`, randomLocalMac(), []),
        `link set eth1 address ${randomLocalMac()}`,
        `addr add ${ROUTER_REMOTE_IP}/24 dev eth1`,
        'link set eth1 up',
      ]).then(() => inNs(ns('rtr'), 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'])),
      ...state.devices.map((d) => ipBatch(d.ns, hostLines(`${d.ip}/24`, d.mac, deviceRoutes(d.subnet)))),
    ]);

    await waitForCarrier(state.scannerNs, 'eth0');
    const runner = distPaths(repoRoot).deviceRunner;
    const readyTimeout = options.readyTimeoutMs ?? 15_000;
    const readies = await Promise.all(
      state.devices.map((d, i) => {
        const child = startDevice(state, d, fixtures[i]!, runner, options.persistent === true);
        return waitReady(child, d.name, readyTimeout, d.log).finally(() => {
          child.stdout?.destroy();
        });
      }),
    );
    const devices: LabDevice[] = state.devices.map((d, i) => ({
      ...d,
      fixture: fixtures[i]!,
      ready: readies[i]!,
    }));

    return {
      id,
      state,
      repoRoot,
      scannerNs: state.scannerNs,
      scannerIp,
      devices,
      exec: (cmd, args, execOptions) => execIn(state.scannerNs, cmd, args, execOptions),
      scan: (args, execOptions) =>
        execIn(
          state.scannerNs,
          process.execPath,
          [distPaths(repoRoot).agentCli, 'scan', ...args],
          execOptions,
        ),
      missingSims: () =>
        devices
          .filter((d) => d.ready.missing.length > 0)
          .map((d) => ({ device: d.name, sims: d.ready.missing })),
      deviceLog: (name, maxBytes = 4000) => {
        const d = state.devices.find((x) => x.name === name);
        if (!d || !existsSync(d.log)) return '';
        const text = readFileSync(d.log, 'utf8');
        return text.length > maxBytes ? `…${text.slice(-maxBytes)}` : text;
      },
      down,
    };
  } catch (err) {
    await down().catch(() => undefined);
    throw err;
  }
}

/** Existing lab by id (for `lab scan`/`down` from another process). */
export function findLab(repoRoot: string, id?: string): LabState | null {
  const states = listStates(stateRoot(repoRoot));
  if (id) return states.find((s) => s.id === id) ?? null;
  const persistent = states.filter((s) => s.owner === 0);
  return persistent.length === 1 ? persistent[0]! : null;
}

export { execIn };
