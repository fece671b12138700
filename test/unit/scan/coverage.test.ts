import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../../src/agent/output/csv.js';
import { renderTable } from '../../../src/agent/output/table.js';
import { buildCoverage, type CoverageInput } from '../../../src/agent/scan/coverage.js';
import { checkReport } from '../../../src/contract/report-schema.js';
import type { Observation } from '../../../src/contract/types.js';
import { cidrRange, parseIpv4 } from '../../../src/core/ipv4.js';
import { sampleReport } from '../report/sample.js';

const at = '2026-01-01T00:00:00.000Z';
const obs = (host: string, key: string, value: string, probe: string): Observation => ({
  host,
  key,
  value,
  probe,
  at,
});
const hosts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}.${i + 1}`);

function input(over: Partial<CoverageInput> = {}): CoverageInput {
  return {
    targets: ['10.77.0.0/24', '10.78.0.0/24', '10.79.0.0/24'],
    exclude: ['10.77.0.200-10.77.0.254'],
    hosts: [...hosts('10.77.0', 10), ...hosts('10.78.0', 10), ...hosts('10.79.0', 10)],
    interfaces: [
      { name: 'eth0', address: '10.77.0.2', prefix: 24, subnet: cidrRange(parseIpv4('10.77.0.0')!, 24) },
    ],
    probes: [
      { id: 'onvif', reach: 'segment' },
      { id: 'arp', reach: 'segment' },
      { id: 'tcp', reach: 'routed' },
      { id: 'switch', reach: 'routed' },
    ],
    status: [
      { probe: 'onvif', outcome: 'ok', observations: 1, durationMs: 5 },
      {
        probe: 'tcp',
        outcome: 'ok',
        observations: 2,
        durationMs: 5,
        message: 'stopped at its 600s deadline',
      },
      { probe: 'http', outcome: 'failed', observations: 0, durationMs: 5, message: 'EACCES' },
    ],
    observations: [
      obs('10.77.0.1', 'tcp.open', '80', 'tcp'),
      obs('10.77.0.1', 'mac.address', 'aa:bb:cc:dd:ee:01', 'arp'),
      obs('10.77.0.3', 'mac.address', 'aa:bb:cc:dd:ee:03', 'arp'),
      obs(
        '10.77.0.5',
        'switch.read',
        JSON.stringify({
          outcome: 'read',
          macs: 4,
          withoutAddress: 1,
          tables: ['dot1qTpFdbPort'],
          detail: 'ok',
        }),
        'switch',
      ),
      obs(
        '10.77.0.6',
        'switch.read',
        JSON.stringify({
          outcome: 'failed',
          macs: 0,
          withoutAddress: 0,
          tables: [],
          detail: 'no answer to v2c',
        }),
        'switch',
      ),
      obs('10.79.0.64', 'mac.address', '58:50:ed:1f:e3:85', 'switch'),
      obs('10.80.0.9', 'mac.address', '58:50:ed:1f:e3:86', 'switch'),
    ],
    reach: new Map([
      ['10.77.0.1', { answered: 3, timeout: 0, unreachable: 0 }],
      ['10.77.0.9', { answered: 1, timeout: 2, unreachable: 0 }],
      ...hosts('10.78.0', 10).map(
        (h): [string, { answered: number; timeout: number; unreachable: number }] => [
          h,
          { answered: 0, timeout: 3, unreachable: 0 },
        ],
      ),
      ...hosts('10.79.0', 10).map(
        (h): [string, { answered: number; timeout: number; unreachable: number }] => [
          h,
          { answered: 0, timeout: 0, unreachable: 3 },
        ],
      ),
    ]),
    ...over,
  };
}

describe('coverage section', () => {
  const c = buildCoverage(input());

  it('counts, per target, addresses in scope, answering, in the neighbour table and silent', () => {
    const [lan, remote, vlan] = c.subnets;
    // .1 answered TCP, .3 only in the neighbour table, .5/.6 are switches, .9 refused a connect.
    expect(lan).toMatchObject({
      target: '10.77.0.0/24',
      inScope: 10,
      answered: 5,
      neighbours: 2,
      silent: 5,
      local: true,
      connects: 'answered',
    });
    expect(lan!.reachedBy).toEqual(['onvif', 'arp', 'tcp', 'switch']);
    expect(remote).toMatchObject({
      answered: 0,
      silent: 10,
      local: false,
      connects: 'all-timed-out',
      reachedBy: ['tcp', 'switch'],
    });
    expect(vlan).toMatchObject({ answered: 0, viaSwitch: 1, connects: 'all-unreachable' });
  });

  it('names every blind spot: routed, filtered, unreachable, excluded, beyond scope, unread switch', () => {
    const spots = c.blindSpots.map((b) => `${b.kind} ${b.subject}`);
    expect(spots).toEqual([
      'routed-no-multicast 10.78.0.0/24',
      'filtered 10.78.0.0/24',
      'routed-no-multicast 10.79.0.0/24',
      'unreachable 10.79.0.0/24',
      'excluded 10.77.0.200-10.77.0.254',
      'beyond-scope 10.80.0.0/24',
      'switch-unread 10.77.0.6',
    ]);
  });

  it('lists probes that failed or stopped at their deadline, and each switch read', () => {
    expect(c.probeTrouble.map((p) => `${p.probe}:${p.outcome}`)).toEqual(['tcp:deadline', 'http:failed']);
    expect(c.switches).toEqual([
      {
        address: '10.77.0.5',
        outcome: 'read',
        detail: 'ok',
        macs: 4,
        macsWithoutAddress: 1,
        tables: ['dot1qTpFdbPort'],
      },
      {
        address: '10.77.0.6',
        outcome: 'failed',
        detail: 'no answer to v2c',
        macs: 0,
        macsWithoutAddress: 0,
        tables: [],
      },
    ]);
  });

  it('passes the report schema and ends the table with a coverage paragraph naming blind spots', () => {
    const report = {
      ...sampleReport(),
      coverage: c,
    };
    expect(checkReport(report)).toEqual([]);
    const table = renderTable(report, { colour: false });
    const last = table.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^Coverage: 10\.77\.0\.0\/24 \(local segment\): 5 of 10 addresses answered/);
    expect(last).toContain('10.79.0.0/24 unreachable (no route)');
    expect(last).toContain('10.77.0.6 switch not read');
    expect(
      checkReport({
        ...report,
        coverage: { ...c, blindSpots: [{ kind: 'guess', subject: 'x', detail: 'y' }] },
      }),
    ).not.toEqual([]);
  });

  it('shows switch, port and VLAN in the table and CSV for a switch-found device', () => {
    const base = sampleReport();
    const device = {
      ...base.devices[0]!,
      location: { switch: '10.77.0.5', switchName: 'edge-1', port: '1/1/7', portAlias: 'lobby', vlan: 79 },
    };
    const report = { ...base, devices: [device] };
    expect(checkReport(report)).toEqual([]);
    expect(renderTable(report, { colour: false })).toMatch(
      /WHERE[\s\S]*edge-1 \(10\.77\.0\.5\) 1\/1\/7 vlan 79/,
    );
    const [head, line] = renderCsv(report).split('\r\n');
    expect(head!.endsWith('switch,port,vlan')).toBe(true);
    expect(line!.endsWith('edge-1 (10.77.0.5),1/1/7 (lobby),79')).toBe(true);
  });
});
