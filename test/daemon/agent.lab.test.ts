/**
 * `camsweep agent` as a real process in namespaces this test builds: an agent namespace and a
 * device namespace joined by one veth pair, no route anywhere else. Covers issue 7's lab
 * checks: a device announcing itself with a Hello between scans is in the next report; a
 * reload with a valid and with an invalid config; SIGTERM mid-scan spools the partial report,
 * exits 0, and the report is delivered after a restart. Needs root; skips outside CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../src/agent/daemon/status.js';
import type { Report } from '../../src/contract/types.js';
import { findRepoRoot } from '../lab/lab.js';
import { addNamespace, deleteNamespaceSync, ipBatch, namespacePids, signalPid } from '../lab/netns.js';
import { distPaths, labSkipReason } from '../lab/preflight.js';
import { HELLO_ENDPOINT, helloDahua, hikvisionMdns, MDNS_INSTANCE } from './fixtures/announcements.js';

const repoRoot = findRepoRoot();
// CAMSWEEP_TEST_CLI: run another build of the CLI (e.g. a packed install) against the lab.
const cli = process.env.CAMSWEEP_TEST_CLI ?? distPaths(repoRoot).agentCli;
let skipReason = await labSkipReason();
if (!skipReason && !existsSync(cli)) skipReason = `${cli} is missing; run \`npm run build\` first`;
const skip = skipReason !== null && !process.env.CI;
if (skip) console.warn(`agent lab tests skipped: ${skipReason}`);

const id = randomBytes(3).toString('hex');
const AGENT_NS = `csd${id}-ag`;
const DEVICE_NS = `csd${id}-dv`;
const AGENT_IP = '10.77.0.2';
const DEVICE_IP = '10.77.0.45';
const work = mkdtempSync(join(tmpdir(), 'camsweep-agent-lab-'));
chmodSync(work, 0o755);
/** The agent runs as nobody with no capabilities at all, as the systemd unit runs it. */
const NOBODY = 65534;
const UNPRIVILEGED = [
  'setpriv',
  `--reuid=${NOBODY}`,
  `--regid=${NOBODY}`,
  '--clear-groups',
  '--inh-caps=-all',
  '--bounding-set=-all',
  '--no-new-privs',
];

/** A state directory the unprivileged agent owns. */
function stateDir(prefix: string): string {
  const dir = mkdtempSync(join(work, prefix));
  chownSync(dir, NOBODY, NOBODY);
  return dir;
}
const children = new Set<ChildProcess>();

function teardown(): void {
  for (const ns of [AGENT_NS, DEVICE_NS]) {
    for (const pid of namespacePids(ns)) signalPid(pid, 'SIGKILL');
    deleteNamespaceSync(ns);
  }
  rmSync(work, { recursive: true, force: true });
}
// Namespaces must go even when the worker dies mid-test.
process.on('exit', teardown);

interface Running {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function startIn(ns: string, args: string[]): Running {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  // 'close', not 'exit': it fires only after stderr is drained, so the last log line is in `err`.
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  void exit.then(() => children.delete(child));
  return { child, stderr: () => err, exit };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false,
  ms = 20_000,
  why?: () => string,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${why ? `\n${why()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The receiver stands in for the collector inside the agent namespace. */
async function startReceiver(dir: string, port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  const r = startIn(AGENT_NS, [
    process.execPath,
    join(import.meta.dirname, 'fixtures/receiver.mjs'),
    dir,
    String(port),
  ]);
  let out = '';
  r.child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const m = await waitFor('receiver', () => /listening (\d+)/.exec(out), 10_000, r.stderr);
  return {
    port: Number(m[1]),
    stop: async () => {
      r.child.kill('SIGTERM');
      await r.exit;
    },
  };
}

function writeConfig(file: string, dir: string, pushPort: number, extra = ''): void {
  writeFileSync(
    file,
    `# camsweep agent lab config
agent:
  schedule: ["6h"]
  runAtStart: false
  passiveProtocols: [onvif, mdns]
scan:
  targets: ["${DEVICE_IP}"]
  timeout: 30s
push:
  url: http://127.0.0.1:${pushPort}
  token: lab-token
  spoolDir: ${join(dir, 'spool')}
  retries: 0
${extra}`,
  );
}

function startAgent(config: string, dir: string): Running {
  return startIn(AGENT_NS, [
    ...UNPRIVILEGED,
    process.execPath,
    cli,
    'agent',
    '--config',
    config,
    '--state-dir',
    dir,
  ]);
}

const statusOf = (dir: string) => readJson<AgentStatus>(join(dir, 'agent-status.json'));

/** Announces the device from its namespace, three times as devices do: a Hello and an mDNS record set. */
async function announce(): Promise<void> {
  const xml = helloDahua(DEVICE_IP);
  const script = `
const dgram = require('node:dgram');
const send = (payload, port, group) => new Promise((done) => {
  const s = dgram.createSocket('udp4');
  s.bind(0, '${DEVICE_IP}', async () => {
    s.setMulticastInterface('${DEVICE_IP}');
    for (let i = 0; i < 3; i++) await new Promise((r) => s.send(payload, port, group, r));
    s.close(done);
  });
});
send(Buffer.from(process.argv[1]), 3702, '239.255.255.250')
  .then(() => send(Buffer.from(process.argv[2], 'base64'), 5353, '224.0.0.251'));`;
  const r = startIn(DEVICE_NS, [
    process.execPath,
    '-e',
    script,
    xml,
    hikvisionMdns(DEVICE_IP).toString('base64'),
  ]);
  expect(await r.exit, r.stderr()).toBe(0);
}

async function stopAgent(agent: Running): Promise<number | null> {
  agent.child.kill('SIGTERM');
  return agent.exit;
}

describe.skipIf(skip)('camsweep agent in a lab', () => {
  beforeAll(async () => {
    await addNamespace(AGENT_NS);
    await addNamespace(DEVICE_NS);
    await ipBatch(AGENT_NS, [
      'link set lo up',
      `link add eth0 type veth peer name eth0 netns ${DEVICE_NS}`,
      `addr add ${AGENT_IP}/24 dev eth0`,
      'link set eth0 up',
    ]);
    await ipBatch(DEVICE_NS, ['link set lo up', `addr add ${DEVICE_IP}/24 dev eth0`, 'link set eth0 up']);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    teardown();
  });

  it('a device that announces itself (WS-Discovery Hello, mDNS) between scans appears in the next report', async () => {
    const dir = stateDir('hello-');
    const reports = mkdtempSync(join(work, 'hello-received-'));
    const receiver = await startReceiver(reports);
    const config = join(dir, 'camsweep.yaml');
    writeConfig(config, dir, receiver.port);
    const agent = startAgent(config, dir);
    try {
      await waitFor(
        'listening',
        () => {
          const listening = statusOf(dir)?.passive.listening ?? [];
          return listening.includes('onvif@eth0') && listening.includes('mdns@eth0');
        },
        20_000,
        agent.stderr,
      );
      // Bound UDP 3702 and joined the group as nobody, with no capability whatsoever.
      const proc = readFileSync(`/proc/${statusOf(dir)!.pid}/status`, 'utf8');
      expect(proc).toMatch(new RegExp(`^Uid:\\s+${NOBODY}\\s`, 'm'));
      expect(proc).toMatch(/^CapEff:\s+0+$/m);
      expect(proc).toMatch(/^CapBnd:\s+0+$/m);

      agent.child.kill('SIGUSR2'); // first scan: the device is silent, nothing announces
      const first = await waitFor('first scan', () => statusOf(dir)?.lastScan, 60_000, agent.stderr);
      await announce();
      await waitFor('Hello recorded', () => statusOf(dir)?.passive.hostsHeard === 1, 10_000, agent.stderr);

      agent.child.kill('SIGUSR2');
      const second = await waitFor(
        'second scan',
        () => {
          const s = statusOf(dir)?.lastScan;
          return s && s.reportId !== first.reportId ? s : null;
        },
        60_000,
        agent.stderr,
      );
      // The scan itself reaches 10.77.0.45 (ARP, a refused TCP port), so the Hello adds
      // evidence to that device rather than a device of its own: heardPassively stays 0.

      const byId = (reportId: string | null) =>
        waitFor(`report ${reportId} at the receiver`, () =>
          readdirSync(reports)
            .map((f) => readJson<Report>(join(reports, f)))
            .find((r) => r?.reportId === reportId),
        );
      const hasHello = (r: Report) =>
        r.devices.some(
          (d) =>
            d.ip === DEVICE_IP &&
            (d.observations ?? []).some((o) => o.key === 'onvif.endpoint' && o.value === HELLO_ENDPOINT),
        );
      const hasMdns = (r: Report) =>
        r.devices.some(
          (d) =>
            d.ip === DEVICE_IP &&
            (d.observations ?? []).some((o) => o.key === 'mdns.instance' && o.value === MDNS_INSTANCE),
        );
      const before = await byId(first.reportId);
      expect(hasHello(before) || hasMdns(before)).toBe(false);
      const next = await byId(second.reportId);
      expect(hasHello(next)).toBe(true);
      expect(hasMdns(next)).toBe(true);
      expect(next.scan.probeStatus?.some((p) => p.probe === 'passive')).toBe(true);
    } finally {
      expect(await stopAgent(agent)).toBe(0);
      await receiver.stop();
    }
  }, 150_000);

  it('SIGHUP reloads a valid config, and keeps running on an invalid one, naming file:line', async () => {
    const dir = stateDir('reload-');
    const config = join(dir, 'camsweep.yaml');
    writeConfig(config, dir, 9);
    const agent = startAgent(config, dir);
    try {
      await waitFor('idle', () => statusOf(dir)?.state === 'idle', 20_000, agent.stderr);

      writeFileSync(config, readFileSync(config, 'utf8').replace('["6h"]', '["12h"]'));
      agent.child.kill('SIGHUP');
      await waitFor('valid reload', () => statusOf(dir)?.lastReload?.ok === true, 10_000, agent.stderr);
      expect(statusOf(dir)?.schedule).toEqual(['12h']);

      // Line 8 of the file is `  timeout: …` under scan; make it invalid.
      writeFileSync(config, readFileSync(config, 'utf8').replace('timeout: 30s', 'timeout: soon'));
      agent.child.kill('SIGHUP');
      const failed = await waitFor(
        'invalid reload',
        () => {
          const s = statusOf(dir);
          return s?.lastReload?.ok === false ? s : null;
        },
        10_000,
        agent.stderr,
      );
      expect(failed.lastReload?.message).toContain(`${config}:8 scan.timeout: must be a duration`);
      // The status file can be written a moment before the log line crosses the pipe to us.
      await waitFor(
        'reload error in the log',
        () => agent.stderr().includes(`${config}:8 scan.timeout`),
        5000,
        agent.stderr,
      );
      expect(failed.schedule).toEqual(['12h']);
      expect(agent.child.exitCode).toBeNull(); // still running on the old config

      // A bad schedule is refused with its line as well.
      writeFileSync(
        config,
        readFileSync(config, 'utf8')
          .replace('timeout: soon', 'timeout: 30s')
          .replace('["12h"]', '["6h", "02:00"]'),
      );
      agent.child.kill('SIGHUP');
      await waitFor(
        'schedule refused',
        () => statusOf(dir)?.lastReload?.message?.includes(`${config}:3 agent.schedule`),
        10_000,
        agent.stderr,
      );
    } finally {
      expect(await stopAgent(agent)).toBe(0);
    }
    expect(statusOf(dir)?.state).toBe('stopped');
  }, 60_000);

  it('an invalid config at start exits 2 (systemd does not restart it) with file:line', async () => {
    const dir = stateDir('bad-');
    const config = join(dir, 'camsweep.yaml');
    writeFileSync(config, 'agent:\n  onStop: later\n');
    const agent = startAgent(config, dir);
    expect(await agent.exit).toBe(2);
    expect(agent.stderr()).toContain(`${config}:2 agent.onStop: must be one of abort, finish`);
  }, 30_000);

  it('SIGTERM mid-scan spools the partial report, exits 0, and the report is delivered after restart', async () => {
    const dir = stateDir('stop-');
    const reports = mkdtempSync(join(work, 'stop-received-'));
    const config = join(dir, 'camsweep.yaml');
    // Nothing listens on the push port yet: the collector is "down".
    const receiverPort = 20_000 + Math.floor(Math.random() * 20_000);
    writeConfig(config, dir, receiverPort);
    const first = startAgent(config, dir);
    await waitFor('idle', () => statusOf(dir)?.state === 'idle', 20_000, first.stderr);
    first.child.kill('SIGUSR2');
    await waitFor('scanning', () => statusOf(dir)?.state === 'scanning', 10_000, first.stderr);
    const t0 = Date.now();
    expect(await stopAgent(first)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const stopped = statusOf(dir)!;
    expect(stopped.state).toBe('stopped');
    expect(stopped.lastScan?.outcome).toBe('partial');
    expect(stopped.spoolDepth).toBe(1);

    const receiver = await startReceiver(reports, receiverPort);
    const second = startAgent(config, dir);
    try {
      const delivered = await waitFor(
        'spooled report delivered',
        () => readdirSync(reports).map((f) => readJson<Report>(join(reports, f)))[0],
        30_000,
        second.stderr,
      );
      expect(delivered.reportId).toBe(stopped.lastScan?.reportId);
      expect(delivered.scan.partial).toBe(true);
      await waitFor('spool empty', () => statusOf(dir)?.spoolDepth === 0, 10_000, second.stderr);
    } finally {
      expect(await stopAgent(second)).toBe(0);
      await receiver.stop();
    }
  }, 120_000);
});
