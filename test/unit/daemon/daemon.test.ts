import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../../src/agent/config/agent-section.js';
import {
  Daemon,
  type DaemonConfig,
  type DaemonDeps,
  type SpoolPusher,
} from '../../../src/agent/daemon/daemon.js';
import type { AgentStatus } from '../../../src/agent/daemon/status.js';
import type { Observation, Report } from '../../../src/contract/types.js';
import { CamsweepError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/log.js';

const agentDefaults: AgentConfig = {
  id: 'test-agent',
  site: 'lab',
  schedule: ['6h'],
  runAtStart: false,
  passive: true,
  passiveProtocols: ['onvif'],
  passiveMaxHosts: 100,
  onStop: 'abort',
  stopTimeout: 1000,
  stateDir: null,
  pushRetry: 60_000,
};

function configWith(agent: Partial<AgentConfig> = {}): DaemonConfig {
  return {
    agent: { ...agentDefaults, ...agent },
    push: { url: 'http://collector.test' },
    scan: { targets: [] },
  };
}

let n = 0;
function reportOf(heard: readonly Observation[], partial = false): Report {
  const hosts = [...new Set(heard.map((o) => o.host))];
  return {
    schema: 'camsweep.report/v1',
    reportId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    agent: { id: 'test-agent', site: 'lab', version: '0' },
    scan: {
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      targets: [],
      probes: [],
      rulesVersion: 't',
      partial,
    },
    summary: {
      hosts: hosts.length,
      devices: hosts.length,
      covered: 0,
      suspect: 0,
      notCovered: 0,
      unknown: hosts.length,
    },
    devices: [],
  };
}

async function waitFor(what: string, pred: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Harness {
  deps: DaemonDeps<DaemonConfig>;
  scans: { heard: readonly Observation[]; signal: AbortSignal }[];
  submitted: { report: Report; aborted: boolean }[];
  statuses: AgentStatus[];
  flushes: number;
  spoolDepth: number;
  pusherClosed: boolean;
  listenersClosed: number;
  heard?: (o: Observation) => void;
  nextConfig: () => DaemonConfig;
  scanImpl: (heard: readonly Observation[], signal: AbortSignal) => Promise<Report>;
}

function harness(): Harness {
  const h: Harness = {
    scans: [],
    submitted: [],
    statuses: [],
    flushes: 0,
    spoolDepth: 0,
    pusherClosed: false,
    listenersClosed: 0,
    nextConfig: () => configWith(),
    scanImpl: async (heard) => reportOf(heard),
    deps: undefined as never,
  };
  const pusher: SpoolPusher = {
    async submit(report, signal) {
      h.submitted.push({ report, aborted: signal?.aborted === true });
      if (signal?.aborted) h.spoolDepth++;
      return { status: signal?.aborted ? 'spooled' : 'delivered', reportId: report.reportId };
    },
    async flush() {
      h.flushes++;
      h.spoolDepth = 0;
      return { delivered: 1, remaining: 0 };
    },
    depth: () => ({ reports: h.spoolDepth }),
    async close() {
      h.pusherClosed = true;
    },
  };
  h.deps = {
    configFile: '/etc/camsweep/camsweep.yaml',
    version: '0.0.0-test',
    loadConfig: () => h.nextConfig(),
    async scan(_config, hooks, heard) {
      h.scans.push({ heard, signal: hooks.signal });
      const report = await h.scanImpl(heard, hooks.signal);
      return { report, heardPassively: new Set(heard.map((o) => o.host)).size };
    },
    createPusher: () => pusher,
    async startListeners(_config, onHeard) {
      h.heard = onHeard;
      return [{ id: 'onvif', port: 3702, joined: ['eth0'], close: async () => void h.listenersClosed++ }];
    },
    writeStatus: (s) => void h.statuses.push(s),
  };
  return h;
}

const hello = (host: string): Observation => ({
  host,
  key: 'onvif.endpoint',
  value: '503b687a-1f2e-4d3c-9b8a-7a6f5e4d3c2b',
  probe: 'onvif',
  at: new Date().toISOString(),
});

describe('Daemon', () => {
  it('a device that announces itself between scans is handed to the next scan, and the report is spooled', async () => {
    const h = harness();
    const d = new Daemon(configWith(), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('listeners', () => h.heard !== undefined);
    h.heard!(hello('10.77.0.9'));
    h.heard!(hello('10.77.0.9')); // WS-Discovery repeats Hello
    await waitFor('status shows the sighting', () => h.statuses.at(-1)?.passive.hostsHeard === 1);
    d.scanNow();
    await waitFor('scan', () => h.submitted.length === 1);
    expect(h.scans[0]!.heard.map((o) => o.host)).toEqual(['10.77.0.9']);
    // Spooled first (durable, no network on the scan's path), then delivered in the background.
    expect(h.submitted[0]!.aborted).toBe(true);
    await waitFor('delivery', () => h.flushes === 1 && h.spoolDepth === 0);
    expect(d.status.lastScan).toMatchObject({ outcome: 'complete', heardPassively: 1 });
    // The next scan starts from an empty slate.
    d.scanNow();
    await waitFor('second scan', () => h.submitted.length === 2);
    expect(h.scans[1]!.heard).toEqual([]);
    stop.abort();
    await running;
    expect(d.status.state).toBe('stopped');
    expect(h.pusherClosed).toBe(true);
    expect(h.listenersClosed).toBe(1);
  });

  it('runs at start when asked and shows the next slot in the status', async () => {
    const h = harness();
    const d = new Daemon(configWith({ runAtStart: true, schedule: ['2h'] }), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('first scan', () => h.submitted.length === 1);
    await waitFor('idle', () => d.status.state === 'idle' && d.status.nextScanAt !== null);
    const next = Date.parse(d.status.nextScanAt!);
    const expected = Date.parse(d.status.lastScan!.startedAt) + 2 * 3_600_000;
    expect(Math.abs(next - expected)).toBeLessThan(1000);
    stop.abort();
    await running;
  });

  it('delivers reports left in the spool by an earlier run as soon as it starts', async () => {
    const h = harness();
    h.spoolDepth = 2;
    const d = new Daemon(configWith(), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('flush', () => h.flushes === 1);
    stop.abort();
    await running;
  });

  it('SIGTERM mid-scan (onStop: abort) aborts the scan, spools its partial report without sending, and stops', async () => {
    const h = harness();
    h.scanImpl = (heard, signal) =>
      new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve(reportOf(heard, true)), { once: true }),
      );
    const d = new Daemon(configWith(), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('listeners', () => h.heard !== undefined);
    d.scanNow();
    await waitFor('scanning', () => d.status.state === 'scanning');
    stop.abort();
    await running;
    expect(h.submitted).toHaveLength(1);
    expect(h.submitted[0]!.report.scan.partial).toBe(true);
    expect(h.submitted[0]!.aborted).toBe(true);
    expect(h.flushes).toBe(0); // delivery waits for the next start
    expect(h.spoolDepth).toBe(1);
    expect(d.status.lastScan?.outcome).toBe('partial');
    expect(d.status.state).toBe('stopped');
  });

  it('SIGTERM mid-scan (onStop: finish) lets the scan finish, and aborts it at stopTimeout', async () => {
    const h = harness();
    let finishEarly: (() => void) | undefined;
    h.scanImpl = (heard, signal) =>
      new Promise((resolve) => {
        finishEarly = () => resolve(reportOf(heard, false));
        signal.addEventListener('abort', () => resolve(reportOf(heard, true)), { once: true });
      });
    const cfg = configWith({ onStop: 'finish', stopTimeout: 300 });

    const d1 = new Daemon(cfg, h.deps, silentLogger);
    const stop1 = new AbortController();
    const run1 = d1.run(stop1.signal);
    await waitFor('listeners', () => h.heard !== undefined);
    d1.scanNow();
    await waitFor('scanning', () => d1.status.state === 'scanning');
    stop1.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(h.scans[0]!.signal.aborted).toBe(false);
    finishEarly!();
    await run1;
    expect(h.submitted[0]!.report.scan.partial).toBe(false);

    const d2 = new Daemon(cfg, h.deps, silentLogger);
    const stop2 = new AbortController();
    const run2 = d2.run(stop2.signal);
    d2.scanNow();
    await waitFor('scanning', () => d2.status.state === 'scanning');
    const t0 = Date.now();
    stop2.abort();
    await run2;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(h.submitted[1]!.report.scan.partial).toBe(true);
  });

  it('a failed scan keeps what was heard for the next scan and the agent keeps running', async () => {
    const h = harness();
    let fail = true;
    h.scanImpl = async (heard) => {
      if (fail) throw new CamsweepError('E_SCOPE_EMPTY', 'nothing is in scope');
      return reportOf(heard);
    };
    const d = new Daemon(configWith(), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('listeners', () => h.heard !== undefined);
    h.heard!(hello('10.77.0.9'));
    d.scanNow();
    await waitFor('failed scan', () => d.status.lastScan?.outcome === 'failed');
    expect(d.status.lastScan?.error).toMatch(/nothing is in scope/);
    fail = false;
    d.scanNow();
    await waitFor('second scan', () => h.submitted.length === 1);
    expect(h.scans[1]!.heard.map((o) => o.host)).toEqual(['10.77.0.9']);
    stop.abort();
    await running;
  });

  it('reload: a valid config takes effect; an invalid one is refused with its file:line and the old one keeps running', async () => {
    const h = harness();
    const d = new Daemon(configWith({ schedule: ['6h'] }), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('idle', () => d.status.state === 'idle');
    const firstNext = Date.parse(d.status.nextScanAt!);

    h.nextConfig = () => configWith({ schedule: ['12h'] });
    await d.reload();
    expect(d.status.lastReload).toMatchObject({ ok: true });
    expect(d.status.schedule).toEqual(['12h']);
    await waitFor('next slot moved', () => Date.parse(d.status.nextScanAt!) - firstNext > 5 * 3_600_000);

    h.nextConfig = () => {
      throw new CamsweepError(
        'E_CONFIG',
        'invalid configuration:\n  /etc/camsweep/camsweep.yaml:7 scan.rate: must be a whole number',
      );
    };
    await d.reload();
    expect(d.status.lastReload).toMatchObject({ ok: false });
    expect(d.status.lastReload?.message).toContain('/etc/camsweep/camsweep.yaml:7 scan.rate');
    expect(d.status.schedule).toEqual(['12h']);

    // A bad schedule is refused too, even though the generic loader accepted the list.
    h.nextConfig = () => configWith({ schedule: ['6h', '02:00'] });
    await d.reload();
    expect(d.status.lastReload).toMatchObject({ ok: false });
    expect(d.status.schedule).toEqual(['12h']);

    // Still alive and scanning on request.
    d.scanNow();
    await waitFor('scan after failed reload', () => h.submitted.length === 1);
    stop.abort();
    await running;
  });

  it('reload with a push section that cannot be used keeps the running push settings', async () => {
    const h = harness();
    let opened = 0;
    const create = h.deps.createPusher;
    h.deps = {
      ...h.deps,
      createPusher: (c, log) => {
        if (c.push?.url === 'http://broken.test')
          throw new CamsweepError('E_CONFIG', 'cannot read push.tokenFile');
        opened++;
        return create(c, log);
      },
    };
    const d = new Daemon(configWith(), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('idle', () => d.status.state === 'idle');
    h.nextConfig = () => ({ ...configWith({ schedule: ['3h'] }), push: { url: 'http://broken.test' } });
    await d.reload();
    expect(d.status.lastReload).toMatchObject({ ok: false, message: 'cannot read push.tokenFile' });
    expect(d.status.schedule).toEqual(['6h']);
    expect(h.pusherClosed).toBe(false);
    expect(d.status.spoolDepth).toBe(0); // still pushing with the old settings
    expect(opened).toBe(1);
    stop.abort();
    await running;
  });

  it('reload restarts the listeners only when their settings change', async () => {
    const h = harness();
    const d = new Daemon(configWith(), h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('idle', () => d.status.state === 'idle');
    h.nextConfig = () => configWith({ schedule: ['3h'] });
    await d.reload();
    expect(h.listenersClosed).toBe(0);
    h.nextConfig = () => configWith({ passive: false });
    await d.reload();
    expect(h.listenersClosed).toBe(1);
    expect(d.status.passive.listening).toEqual([]);
    stop.abort();
    await running;
  });

  it('with push disabled the scan still runs and the status says so', async () => {
    const h = harness();
    const d = new Daemon({ ...configWith(), push: { url: null } }, h.deps, silentLogger);
    const stop = new AbortController();
    const running = d.run(stop.signal);
    await waitFor('idle', () => d.status.state === 'idle');
    d.scanNow();
    await waitFor('scan', () => d.status.lastScan !== null);
    expect(h.submitted).toHaveLength(0);
    expect(d.status.spoolDepth).toBeNull();
    stop.abort();
    await running;
  });
});
