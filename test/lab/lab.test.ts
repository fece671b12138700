/**
 * The lab itself: it comes up from the fixtures, the scanner reaches every device (across
 * the router too) and sees the fixtures' vendor MACs, nothing touches the namespace the test
 * runs in, and tear-down leaves no namespace or process behind, also when the owning process
 * crashes or is killed. Needs root; skips with the reason outside CI.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, findRepoRoot, type Lab, reapStaleLabs } from './lab.js';
import { ip, namespaceExists, pidAlive } from './netns.js';
import { labSkipReason } from './preflight.js';

const skipReason = await labSkipReason();
const skip = skipReason !== null && !process.env.CI;
if (skip) console.warn(`lab tests skipped: ${skipReason}`);

const repoRoot = findRepoRoot();

/** TCP ports each fixture should have open, from its device.yaml. */
function expectedPorts(services: Readonly<Record<string, Record<string, unknown>>>): number[] {
  const ports: number[] = [];
  if (services.http) {
    const listen = (services.http.listen as { port: number }[] | undefined) ?? [{ port: 80 }];
    ports.push(...listen.map((l) => l.port));
  }
  if (services.tcp) ports.push(...(services.tcp.ports as number[]));
  if (services.wsdd) ports.push(5357); // wsdd serves its metadata over HTTP on 5357
  return ports;
}

/** Runs in the scanner namespace: connects to each ip:port, prints what answered. */
const CONNECT_SCRIPT = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map(([host, port]) => new Promise((done) => {
  const s = net.connect({ host, port, timeout: 3000 });
  s.once('connect', () => { s.destroy(); done([host, port, 'open']); });
  s.once('timeout', () => { s.destroy(); done([host, port, 'timeout']); });
  s.once('error', (e) => done([host, port, e.code]));
}))).then((r) => process.stdout.write(JSON.stringify(r)));
`;

interface OwnLink {
  ifname: string;
}

async function ownLinkNames(): Promise<string[]> {
  return (JSON.parse(await ip(['-j', 'link', 'show'])) as OwnLink[]).map((l) => l.ifname).sort();
}

describe.skipIf(skip)('network lab', () => {
  let lab: Lab;
  let linksBefore: string[];

  beforeAll(async () => {
    linksBefore = await ownLinkNames();
    lab = await buildLab({ repoRoot });
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('starts one device per fixture, each with its simulators or a named missing one', () => {
    expect(lab.devices.length).toBeGreaterThanOrEqual(5);
    for (const d of lab.devices) {
      const listed = Object.keys(d.fixture.services).sort();
      expect([...d.ready.started, ...d.ready.missing, ...d.ready.failed.map((f) => f.name)].sort()).toEqual(
        listed,
      );
      expect(d.ready.failed, `${d.name} sims failed to start; log:\n${lab.deviceLog(d.name)}`).toEqual([]);
      expect(pidAlive(d.pid)).toBe(true);
    }
  });

  it("reaches every device's TCP services from the scanner, the remote subnet via the router", async () => {
    const targets = lab.devices.flatMap((d) => expectedPorts(d.fixture.services).map((p) => [d.ip, p]));
    expect(targets.length).toBeGreaterThan(0);
    const r = await lab.exec(process.execPath, ['-e', CONNECT_SCRIPT, JSON.stringify(targets)], {
      timeoutMs: 10_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as [string, number, string][];
    expect(results.filter(([, , state]) => state !== 'open')).toEqual([]);
    expect(lab.devices.some((d) => d.subnet === 'remote')).toBe(true);
  });

  it('answers HTTP as the fixture says (Server header of the Hikvision camera)', async () => {
    const hik = lab.devices.find((d) => d.name === 'hikvision-ds-2cd2385g1-i');
    expect(hik).toBeDefined();
    const script = `fetch(process.argv[1]).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, server: r.headers.get('server'), auth: r.headers.get('www-authenticate') })))`;
    const r = await lab.exec(process.execPath, ['-e', script, `http://${hik!.ip}/ISAPI/System/deviceInfo`], {
      timeoutMs: 10_000,
    });
    const answer = JSON.parse(r.stdout) as { status: number; server: string; auth: string };
    expect(answer.status).toBe(401);
    expect(answer.server).toBe('App-webs/');
    expect(answer.auth).toMatch(/^Digest qop="auth", realm="IP Camera\(C2385\)", nonce="[0-9a-f]+3d3d"/);
  });

  it("shows the fixtures' vendor MACs in the scanner's neighbour table", async () => {
    // Devices with no open TCP port (SNMP only) answer ARP all the same: one connect attempt,
    // filtered or not, makes the kernel ask.
    const quiet = lab.devices
      .filter((d) => d.subnet === 'lan' && expectedPorts(d.fixture.services).length === 0)
      .map((d) => [d.ip, 80]);
    if (quiet.length > 0)
      await lab.exec(process.execPath, ['-e', CONNECT_SCRIPT.replace('3000', '500'), JSON.stringify(quiet)], {
        timeoutMs: 10_000,
      });
    const neigh = JSON.parse(await ip(['-n', lab.scannerNs, '-j', 'neigh', 'show'])) as {
      dst: string;
      lladdr?: string;
    }[];
    for (const d of lab.devices.filter((x) => x.subnet === 'lan')) {
      expect(neigh.find((n) => n.dst === d.ip)?.lladdr, d.name).toBe(d.mac);
    }
  });

  it('gives no namespace a default route and shares no interface with the namespace the test runs in', async () => {
    for (const ns of lab.state.namespaces) {
      const routes = JSON.parse(await ip(['-n', ns, '-j', 'route', 'show'])) as { dst: string }[];
      expect(
        routes.filter((r) => r.dst === 'default'),
        ns,
      ).toEqual([]);
    }
    const scannerLinks = JSON.parse(await ip(['-n', lab.scannerNs, '-j', 'link', 'show'])) as {
      ifname: string;
      link_netnsid?: number;
    }[];
    expect(scannerLinks.map((l) => l.ifname).sort()).toEqual(['eth0', 'lo']);
    // eth0's peer lives in the lab's own switch namespace, nowhere else.
    const ids = JSON.parse(await ip(['-n', lab.scannerNs, '-j', 'netns', 'list-id'])) as {
      nsid: number;
      name?: string;
    }[];
    const peerNsid = scannerLinks.find((l) => l.ifname === 'eth0')?.link_netnsid;
    expect(ids.find((x) => x.nsid === peerNsid)?.name).toBe(`csl${lab.id}-lan`);
    expect(await ownLinkNames()).toEqual(linksBefore);
  });
});

/** A child process that builds a small lab, prints its state, then fails the way `how` says. */
function crashingOwner(
  how: 'throw' | 'hang',
  stateDir: string,
): Promise<{
  id: string;
  namespaces: string[];
  pids: number[];
  kill: () => void;
  exited: Promise<number | null>;
}> {
  const labModule = join(repoRoot, 'dist', 'test', 'lab', 'lab.js');
  const script = `
    const { buildLab } = await import(${JSON.stringify(labModule)});
    const lab = await buildLab({ only: ['generic-nginx'] });
    process.stdout.write(JSON.stringify({ id: lab.id, namespaces: lab.state.namespaces, pids: lab.devices.map((d) => d.pid) }) + '\\n');
    ${how === 'throw' ? "throw new Error('simulated test failure');" : 'setInterval(() => {}, 1000);'}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CAMSWEEP_LAB_STATE: stateDir },
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0)
        resolvePromise({ ...JSON.parse(out.slice(0, nl)), kill: () => child.kill('SIGKILL'), exited });
    });
    void exited.then((code) => {
      if (!out.includes('\n')) reject(new Error(`lab owner exited (${code}) before the lab was up: ${err}`));
    });
  });
}

describe.skipIf(skip)('lab tear-down', () => {
  // A private state folder: another test file's lab build must not reap these labs first.
  let stateDir: string;
  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'camsweep-lab-state-'));
  });
  afterAll(() => {
    reapStaleLabs(repoRoot, stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('removes every namespace and process when the owning process dies of an uncaught error', async () => {
    const owner = await crashingOwner('throw', stateDir);
    expect(await owner.exited).not.toBe(0);
    expect(owner.namespaces.filter(namespaceExists)).toEqual([]);
    expect(owner.pids.filter(pidAlive)).toEqual([]);
    expect(existsSync(join(stateDir, owner.id))).toBe(false);
  });

  it('lets the next run clean up a lab whose owner was killed outright (SIGKILL)', async () => {
    const owner = await crashingOwner('hang', stateDir);
    owner.kill();
    await owner.exited;
    // SIGKILL runs no handler: the namespaces are still there, recorded in the state file.
    expect(owner.namespaces.filter(namespaceExists)).toEqual(owner.namespaces);
    expect(reapStaleLabs(repoRoot, stateDir)).toContain(owner.id);
    expect(owner.namespaces.filter(namespaceExists)).toEqual([]);
    expect(owner.pids.filter(pidAlive)).toEqual([]);
  });
});
