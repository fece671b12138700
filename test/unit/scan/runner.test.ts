import { describe, expect, it } from 'vitest';
import type { Probe, ProbeContext } from '../../../src/agent/probes/shared/types.js';
import { beyondScopeGuard } from '../../../src/agent/scan/beyond-scope.js';
import { createHostGate, createPacer } from '../../../src/agent/scan/rate.js';
import { runProbes } from '../../../src/agent/scan/runner.js';
import { silentLogger } from '../../../src/core/log.js';
import { resolveScope } from '../../../src/core/scope.js';

const scope = resolveScope({ targets: ['10.0.0.1-4'], interfaces: [] });

function probe(id: string, phase: Probe['phase'], run: (ctx: ProbeContext) => Promise<void>): Probe {
  return {
    id,
    title: id,
    phase,
    emits: ['tcp.open', 'http.header.*'],
    config: {},
    enabledByDefault: true,
    run,
  };
}

function options(probes: Probe[], extra: Partial<Parameters<typeof runProbes>[0]> = {}) {
  return {
    probes,
    scope,
    probeConfig: () => ({ enabled: true, deadline: 2000 }),
    packetsPerSecond: 0,
    perHostConcurrency: 2,
    deadline: Date.now() + 10_000,
    signal: new AbortController().signal,
    log: silentLogger,
    ...extra,
  };
}

describe('probe runner', () => {
  it('keeps going when one probe throws, and records why', async () => {
    const result = await runProbes(
      options([
        probe('broken', 'discover', async () => {
          throw new Error('EACCES binding 3702');
        }),
        probe('fine', 'discover', async (ctx) =>
          ctx.emit({ host: '10.0.0.2', key: 'tcp.open', value: 80, port: 80 }),
        ),
      ]),
    );
    expect(result.observations).toHaveLength(1);
    expect(result.status.find((s) => s.probe === 'broken')).toMatchObject({
      outcome: 'failed',
      message: 'EACCES binding 3702',
    });
    expect(result.status.find((s) => s.probe === 'fine')).toMatchObject({ outcome: 'ok', observations: 1 });
  });

  it('runs enrich probes after discovery and shows them what was found', async () => {
    let seen: string[] = [];
    await runProbes(
      options([
        probe('late', 'enrich', async (ctx) => {
          seen = [...ctx.known()].map(([h, ports]) => `${h}:${[...ports].join(',')}`);
        }),
        probe('sweep', 'discover', async (ctx) =>
          ctx.emit({ host: '10.0.0.3', key: 'tcp.open', value: 554, port: 554 }),
        ),
      ]),
    );
    expect(seen).toEqual(['10.0.0.3:554']);
  });

  it('refuses undeclared keys and out-of-scope hosts, and says so in the status', async () => {
    const result = await runProbes(
      options([
        probe('sloppy', 'discover', async (ctx) => {
          ctx.emit({ host: '10.0.0.1', key: 'snmp.sysDescr', value: 'x' });
          ctx.emit({ host: '192.168.99.9', key: 'tcp.open', value: 80 });
          ctx.emit({ host: '10.0.0.1', key: 'http.header.server', value: 'y'.repeat(100_000) });
        }),
      ]),
    );
    expect(result.observations).toHaveLength(1);
    expect(result.observations[0]!.value.length).toBeLessThanOrEqual(4096);
    expect(result.status[0]!.message).toContain('1 replies from hosts outside scope ignored');
    expect(result.status[0]!.message).toContain('1 observations with undeclared keys refused');
  });

  it('stops a probe at its deadline, keeps what it had, and never calls the run complete', async () => {
    const result = await runProbes(
      options(
        [
          probe('sweep', 'discover', async (ctx) => {
            ctx.emit({ host: '10.0.0.4', key: 'tcp.open', value: 80 });
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
            ctx.skipped({ ports: [8000, 554], hosts: 3, hostSample: ['10.0.0.1'], attempts: 6 });
          }),
          probe('quick', 'discover', async () => {}),
        ],
        { probeConfig: () => ({ enabled: true, deadline: 150 }) },
      ),
    );
    expect(result.observations).toHaveLength(1);
    const sweep = result.status.find((s) => s.probe === 'sweep')!;
    expect(sweep).toMatchObject({ outcome: 'aborted', cutShort: 'deadline', observations: 1 });
    expect(sweep.skipped).toEqual({ ports: [554, 8000], hosts: 3, hostSample: ['10.0.0.1'], attempts: 6 });
    expect(sweep.message).toMatch(/cut short by its 0 s deadline.*ports 554,8000/);
    expect(result.status.find((s) => s.probe === 'quick')).toMatchObject({ outcome: 'ok' });
    expect(result.status.find((s) => s.probe === 'quick')!.cutShort).toBeUndefined();
    expect(result.partial).toBe(true);
    expect(result.skipped).toEqual({
      reasons: ['deadline'],
      probes: ['sweep'],
      ports: [554, 8000],
      hosts: 3,
      hostSample: ['10.0.0.1'],
    });
  });

  it('skips later phases, by name, once the whole scan deadline has passed', async () => {
    const result = await runProbes(
      options(
        [
          probe('d', 'discover', async (ctx) => {
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          }),
          probe('e', 'enrich', async () => {}),
        ],
        { deadline: Date.now() + 1200 },
      ),
    );
    expect(result.partial).toBe(true);
    expect(result.status.find((s) => s.probe === 'd')).toMatchObject({
      outcome: 'aborted',
      cutShort: 'scan-deadline',
    });
    expect(result.status.find((s) => s.probe === 'e')).toMatchObject({
      outcome: 'skipped',
      cutShort: 'scan-deadline',
    });
    expect(result.skipped!.probes).toEqual(['d', 'e']);
  });

  it('runs the neighbour-table reader between discovery and enrichment', async () => {
    let seen: string[] = [];
    await runProbes(
      options([
        probe('late', 'enrich', async (ctx) => {
          seen = [...ctx.known().keys()];
        }),
        probe('arp', 'neighbours', async (ctx) =>
          ctx.emit({ host: '10.0.0.2', key: 'http.header.x', value: 'only ARP answered' }),
        ),
      ]),
    );
    expect(seen).toEqual(['10.0.0.2']);
  });

  it('aims enrichment at hosts heard passively before the scan', async () => {
    let seen: string[] = [];
    await runProbes(
      options(
        [
          probe('late', 'enrich', async (ctx) => {
            seen = [...ctx.known().keys()];
          }),
        ],
        { liveHosts: ['10.0.0.3', '192.168.50.1'] },
      ),
    );
    expect(seen).toEqual(['10.0.0.3']); // the out-of-scope one is not touched
  });

  it('gives up on a probe that ignores its deadline instead of hanging the scan', async () => {
    const result = await runProbes(
      options([probe('stuck', 'discover', () => new Promise(() => {}))], {
        probeConfig: () => ({ enabled: true, deadline: 100 }),
      }),
    );
    expect(result.status[0]!.outcome).toBe('failed');
    expect(result.status[0]!.message).toMatch(/ignores its abort signal/);
  }, 10_000);

  it('marks the run partial and skips later phases when the user aborts', async () => {
    const controller = new AbortController();
    const result = await runProbes(
      options(
        [
          probe('d', 'discover', async (ctx) => {
            ctx.emit({ host: '10.0.0.1', key: 'tcp.open', value: 80 });
            controller.abort();
            await new Promise((resolve) => setTimeout(resolve, 20));
          }),
          probe('e', 'enrich', async () => {}),
        ],
        { signal: controller.signal },
      ),
    );
    expect(result.partial).toBe(true);
    expect(result.observations).toHaveLength(1);
    expect(result.status.find((s) => s.probe === 'e')!.outcome).toBe('skipped');
  });
});

describe('enrichment pipeline', () => {
  /** A discovery probe that settles 10.0.0.1 early, waits, then finds 10.0.0.2 and ends. */
  function discovery(log: string[], waitFor: () => boolean) {
    return probe('d', 'discover', async (ctx) => {
      ctx.emit({ host: '10.0.0.1', key: 'tcp.open', value: 80 });
      ctx.settled?.('10.0.0.1');
      const until = Date.now() + 2000;
      while (!waitFor() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      ctx.emit({ host: '10.0.0.2', key: 'tcp.open', value: 554 });
      log.push('discovery done');
    });
  }

  it('enriches a host as soon as discovery settles it, once, and the rest after discovery', async () => {
    const log: string[] = [];
    const runs: string[][] = [];
    const enrich = probe('e', 'enrich', async (ctx) => {
      const hosts = [...ctx.known().keys()];
      runs.push(hosts);
      log.push(`enrich ${hosts.join(',')}`);
      for (const host of hosts) ctx.emit({ host, key: 'http.header.server', value: 'x' });
    });
    const result = await runProbes(options([discovery(log, () => runs.length > 0), enrich]));
    expect(log).toEqual(['enrich 10.0.0.1', 'discovery done', 'enrich 10.0.0.2']);
    expect(runs).toEqual([['10.0.0.1'], ['10.0.0.2']]);
    // One status for the probe across its runs, counting both.
    expect(result.status.filter((s) => s.probe === 'e')).toEqual([
      expect.objectContaining({ outcome: 'ok', observations: 2 }),
    ]);
    expect(result.partial).toBe(false);
    expect(result.liveHosts).toBe(2);
  });

  it('waits for switch reads when an infrastructure probe runs, and runs an every-address probe once', async () => {
    const log: string[] = [];
    const enrich = probe('e', 'enrich', async (ctx) => {
      log.push(`enrich ${[...ctx.known().keys()].join(',')}`);
    });
    const infra = probe('s', 'infrastructure', async () => {
      log.push('switch');
    });
    await runProbes(options([discovery(log, () => false), infra, enrich]));
    expect(log).toEqual(['discovery done', 'switch', 'enrich 10.0.0.1,10.0.0.2']);

    log.length = 0;
    await runProbes({
      ...options([discovery(log, () => false), enrich]),
      probeConfig: () => ({ enabled: true, deadline: 2000, allTargets: true }),
    });
    expect(log).toEqual(['discovery done', 'enrich 10.0.0.1,10.0.0.2']);
  });

  it('names the hosts found but never enriched when the scan deadline ends discovery', async () => {
    const runs: string[][] = [];
    const enrich = probe('e', 'enrich', async (ctx) => {
      runs.push([...ctx.known().keys()]);
    });
    const slow = probe('d', 'discover', async (ctx) => {
      ctx.emit({ host: '10.0.0.1', key: 'tcp.open', value: 80 });
      ctx.settled?.('10.0.0.1');
      ctx.emit({ host: '10.0.0.2', key: 'tcp.open', value: 80 }); // found, never settled
      await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
    });
    const result = await runProbes({
      ...options([slow, probe('n', 'neighbours', async () => {}), enrich]),
      deadline: Date.now() + 1500,
    });
    expect(runs).toEqual([['10.0.0.1']]);
    expect(result.partial).toBe(true);
    expect(result.status.find((s) => s.probe === 'e')).toMatchObject({
      outcome: 'aborted',
      cutShort: 'scan-deadline',
      skipped: { hosts: 1, hostSample: ['10.0.0.2'] },
    });
    expect(result.skipped!.probes).toContain('e');
  });

  it('a cut-short enrichment batch leaves the run partial', async () => {
    const enrich = probe('e', 'enrich', async (ctx) => {
      // The first batch outlasts the probe's deadline (and stops at its abort, as probes do).
      if (ctx.known().has('10.0.0.1'))
        await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
    });
    const result = await runProbes({
      ...options([discovery([], () => false), enrich]),
      probeConfig: (id) => ({ enabled: true, deadline: id === 'e' ? 200 : 2000 }),
    });
    expect(result.partial).toBe(true);
    expect(result.status.find((s) => s.probe === 'e')).toMatchObject({
      outcome: 'aborted',
      cutShort: 'deadline',
    });
  });
});

describe('observations per host', () => {
  it('keeps each host in its own list and drops what a flooding device sends past the cap, saying so', async () => {
    const result = await runProbes(
      options([
        probe('flood', 'discover', async (ctx) => {
          for (let i = 0; i < 2500; i++) ctx.emit({ host: '10.0.0.2', key: 'http.header.x', value: `v${i}` });
          ctx.emit({ host: '10.0.0.1', key: 'tcp.open', value: 80 });
          ctx.emit({ host: '10.0.0.2', key: 'tcp.open', value: 443 });
        }),
      ]),
    );
    expect(result.observations.filter((o) => o.host === '10.0.0.2')).toHaveLength(2000);
    expect(result.observations.filter((o) => o.host === '10.0.0.1')).toHaveLength(1);
    // Grouped by host: the first host heard comes first, whole.
    expect(result.observations.slice(0, 2000).every((o) => o.host === '10.0.0.2')).toBe(true);
    expect(result.status[0]!.message).toContain('501 observations dropped: over 2000 for one host');
  });
});

describe('credentials', () => {
  it('gives each probe only its own section of the credentials file', async () => {
    const seen: Record<string, unknown> = {};
    const secrets = {
      http: { username: 'admin', password: 'web-secret' },
      onvif: { username: 'onvif', password: 'onvif-secret' },
      snmp: { communities: ['private'], v3: [] },
    };
    const grab = (id: string) =>
      probe(id, 'discover', async (ctx) => {
        seen[id] = ctx.credentialsFor('10.0.0.1');
      });
    await runProbes(options([grab('http'), grab('onvif'), grab('snmp')], { secretsFor: () => secrets }));
    expect(seen).toEqual({ http: secrets.http, onvif: secrets.onvif, snmp: null });
  });
});

describe('rate cap and host gate', () => {
  it('spaces packets at the configured rate', async () => {
    const pacer = createPacer(200); // 5 ms per packet
    const signal = new AbortController().signal;
    const start = performance.now();
    for (let i = 0; i < 60; i++) await pacer.take(1, signal);
    const elapsed = performance.now() - start;
    // 60 packets at 200/s is 300 ms minus the 100 ms burst allowance.
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(pacer.sent).toBe(60);
  });

  it('never lets more than N operations touch one host', async () => {
    const withHost = createHostGate(2);
    let active = 0;
    let peak = 0;
    const work = () =>
      withHost('10.0.0.1', async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      });
    await Promise.all(Array.from({ length: 10 }, work));
    expect(peak).toBe(2);
  });
});

describe('infrastructure phase', () => {
  it('runs between discovery and enrichment, so enrich probes see the hosts switches named', async () => {
    const order: string[] = [];
    let enrichSaw: string[] = [];
    await runProbes(
      options([
        probe('late', 'enrich', async (ctx) => {
          order.push('enrich');
          enrichSaw = [...ctx.known().keys()];
        }),
        probe('switchish', 'infrastructure', async (ctx) => {
          order.push('infrastructure');
          ctx.emit({ host: '10.0.0.3', key: 'tcp.open', value: 80 });
        }),
        probe('sweep', 'discover', async () => {
          order.push('discover');
        }),
      ]),
    );
    expect(order).toEqual(['discover', 'infrastructure', 'enrich']);
    expect(enrichSaw).toEqual(['10.0.0.3']);
  });

  it('never lets a second probe repeat a credential that already failed on a device', async () => {
    const tried: string[] = [];
    const attempt = (who: string) => async (ctx: ProbeContext) => {
      for (const cred of ['community-a', 'community-b']) {
        const state = ctx.ledger!.claim('10.0.0.2', cred);
        if (state === 'failed' || state === 'pending') continue;
        tried.push(`${who}:${cred}:${state}`);
        if (state === 'untried') ctx.ledger!.settle('10.0.0.2', cred, cred === 'community-b');
      }
    };
    await runProbes(
      options([
        probe('switchish', 'infrastructure', attempt('switch')),
        probe('snmpish', 'enrich', attempt('snmp')),
      ]),
    );
    expect(tried).toEqual([
      'switch:community-a:untried',
      'switch:community-b:untried',
      'snmp:community-b:worked',
    ]);
  });

  it('accepts out-of-scope private addresses only from table-reading probes, never excluded ones', async () => {
    const emitAll = async (ctx: ProbeContext) => {
      for (const host of ['10.0.0.2', '10.79.0.64', '10.9.9.9', '8.8.8.8'])
        ctx.emit({ host, key: 'tcp.open', value: 80 });
    };
    const result = await runProbes(
      options(
        [
          { ...probe('switchish', 'infrastructure', emitAll), reportsBeyondScope: true },
          probe('plain', 'discover', emitAll),
        ],
        { mayReportBeyondScope: beyondScopeGuard(['10.9.9.0/24']) },
      ),
    );
    const by = (id: string) => result.observations.filter((o) => o.probe === id).map((o) => o.host);
    expect(by('switchish')).toEqual(['10.0.0.2', '10.79.0.64']);
    expect(by('plain')).toEqual(['10.0.0.2']);
  });
});
