/**
 * Two-phase discovery and honest truncation in the TCP sweep: live hosts first, the full port
 * list only on them, and a sweep stopped by its deadline names what it never tried.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe } from '../../../../src/agent/probes/tcp/index.js';
import { runProbes } from '../../../../src/agent/scan/runner.js';
import { silentLogger } from '../../../../src/core/log.js';
import { resolveScope } from '../../../../src/core/scope.js';
import { isolated, localSubnet, silentSubnet } from '../../../helpers/isolation.js';
import { fakeContext } from '../../../helpers/probe-context.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();
// 10.250.7.x answer (open or refused, as real hosts do); 10.250.8.x swallow every SYN.
const LIVE = ['10.250.7.10', '10.250.7.11', '10.250.7.12'];
const TARGETS = ['10.250.7.10-12', '10.250.8.1-20'];
const PORTS = [80, 554, 8443];

function listen(host: string, port: number): Promise<void> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function sweep(config: Record<string, unknown>) {
  return fakeContext(tcpProbe, {
    targets: TARGETS,
    timeoutMs: 10_000,
    config: {
      ports: PORTS,
      discoveryPorts: [80],
      timeout: 300,
      retryLive: false,
      neighbourTable: '/nonexistent',
      ...config,
    },
  });
}

const opens = (emitted: { key: string; host: string; value: unknown }[]) =>
  emitted
    .filter((o) => o.key === 'tcp.open')
    .map((o) => `${o.host}:${o.value}`)
    .sort();

describe.skipIf(!isolated)('two-phase TCP discovery', () => {
  beforeAll(async () => {
    localSubnet('10.250.7');
    silentSubnet('10.250.8', 'cstp0');
    await listen(LIVE[0]!, 80);
    await listen(LIVE[1]!, 8443); // only on a port phase 1 does not try; refuses port 80
    await listen(LIVE[2]!, 554);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('sweeps every port only on hosts that answered phase 1, and finds the same ports as full', async () => {
    const two = sweep({ discovery: 'two-phase' });
    await tcpProbe.run(two.ctx);
    const full = sweep({ discovery: 'full' });
    await tcpProbe.run(full.ctx);
    const expected = ['10.250.7.10:80', '10.250.7.11:8443', '10.250.7.12:554'];
    expect(opens(two.emitted)).toEqual(expected);
    expect(opens(full.emitted)).toEqual(expected);
    // Phase 1: 23 addresses × port 80; phase 2: 3 live hosts × the 2 other ports.
    expect(two.packets).toBe(23 + 3 * 2);
    expect(full.packets).toBe(23 * 3);
    expect(two.skipped).toBeNull();
  });

  it('hands each live host on as soon as its ports are known, while silent addresses still wait', async () => {
    const two = sweep({ discovery: 'two-phase' });
    const settled: { host: string; at: number }[] = [];
    const started = Date.now();
    await tcpProbe.run({ ...two.ctx, settled: (host) => settled.push({ host, at: Date.now() }) });
    const ended = Date.now();
    expect(settled.map((s) => s.host).sort()).toEqual(LIVE);
    // Live hosts answer within milliseconds; the silent ones hold the sweep for its 300 ms timeout.
    for (const s of settled) expect(s.at - started).toBeLessThan(ended - started - 150);
  });

  it('takes hosts other probes already heard as live without a TCP answer', async () => {
    const run = fakeContext(tcpProbe, {
      targets: ['10.250.8.1-4'],
      timeoutMs: 10_000,
      known: new Map([['10.250.8.3', new Set<number>()]]),
      config: { ports: PORTS, discoveryPorts: [80], timeout: 200, retryLive: false, neighbourTable: '/x' },
    });
    await tcpProbe.run(run.ctx);
    // 4 phase-1 connects minus the known host, then the known host on all three ports.
    expect(run.packets).toBe(3 + 3);
  });

  it('a sweep cut short by its deadline is reported partial, naming the ports and hosts not tried', async () => {
    const scope = resolveScope({ targets: ['10.250.8.0/24'], interfaces: [] });
    const result = await runProbes({
      probes: [tcpProbe],
      scope,
      probeConfig: () => ({
        enabled: true,
        deadline: 400,
        ports: PORTS,
        discoveryPorts: [80, 554],
        discoveryBudget: 60_000,
        discovery: 'two-phase',
        timeout: 1000,
        minTimeout: 100,
        bannerTimeout: 500,
        parallel: 4,
        retryLive: true,
        neighbourTable: '/x',
      }),
      packetsPerSecond: 0,
      perHostConcurrency: 4,
      deadline: Date.now() + 60_000,
      signal: new AbortController().signal,
      log: silentLogger,
    });
    const status = result.status[0]!;
    expect(result.partial).toBe(true);
    expect(status).toMatchObject({ outcome: 'aborted', cutShort: 'deadline' });
    // Four connects in flight at a time, one second each: port 80 was barely started.
    expect(status.skipped!.ports).toEqual(PORTS);
    expect(status.skipped!.hosts).toBeGreaterThan(240);
    expect(status.skipped!.attempts).toBeGreaterThan(240 * 2);
    expect(status.skipped!.hostSample!.length).toBeGreaterThan(0);
    expect(result.skipped).toMatchObject({ reasons: ['deadline'], probes: ['tcp'], ports: PORTS });
  });

  it('keeps rate × timeout connects in flight, so the rate cap sets the pace', async () => {
    const run = fakeContext(tcpProbe, {
      targets: ['10.250.8.0/24'],
      timeoutMs: 10_000,
      packetsPerSecond: 2000,
      config: { ports: [80], discoveryPorts: [80], timeout: 500, retryLive: false, neighbourTable: '/x' },
    });
    // The fake pacer does not wait, so only the in-flight limit holds connects back:
    // 2000/s × 0.5 s = 1000 > 254, so every address is tried in one timeout, not 254/64 of them.
    const started = Date.now();
    await tcpProbe.run(run.ctx);
    expect(run.packets).toBe(254);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
