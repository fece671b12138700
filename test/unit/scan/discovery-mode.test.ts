/**
 * What the report says about two-phase discovery when its phase-1 budget trims the port list:
 * the ports it really tried, the ones it left out and why, and how to get them back.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/agent/config/config.js';
import { phase1Ports } from '../../../src/agent/probes/tcp/plan.js';
import { describeDiscovery } from '../../../src/agent/scan/discovery-mode.js';

const tcp = parseConfig('', 'test', {}).probes.tcp!;
const PORTS = [80, 443, 554, 8000, 37777];

describe('phase-1 ports within the discovery budget', () => {
  it('tries every discovery port on a /20 and port 80 alone on a /16 at the default 1,000/s', () => {
    expect(phase1Ports(PORTS, 4094, 1000, 60_000)).toEqual(PORTS);
    expect(phase1Ports(PORTS, 65_534, 1000, 60_000)).toEqual([80]);
    // At 10,000/s a pass over a /16 takes 6.6 s: all five fit in 60 s.
    expect(phase1Ports(PORTS, 65_534, 10_000, 60_000)).toEqual(PORTS);
    expect(phase1Ports(PORTS, 65_534, 2000, 60_000)).toEqual([80]);
    // Never none, whatever the budget.
    expect(phase1Ports(PORTS, 65_534, 1000, 0)).toEqual([80]);
  });

  it('names the ports the budget left out in the report, with the way to include them', () => {
    const d = describeDiscovery({ tcp, liveHosts: 656, addresses: 65_534, packetsPerSecond: 1000 });
    expect(d).toMatchObject({ mode: 'two-phase', phase1Ports: [80], liveHosts: 656 });
    expect(d.blindSpots).toMatch(/answered a connect to port 80 \(open or refused\)/);
    expect(d.blindSpots).toMatch(/silently drops that port/);
    expect(d.blindSpots).toMatch(
      /ports 443, 554, 8000, 37777 were left out of phase 1 to keep it within its 60 s budget for 65534 addresses at 1000 packets\/s/,
    );
    expect(d.blindSpots).toMatch(/probes\.tcp\.discoveryBudget or --rate/);
    expect(d.blindSpots.length).toBeLessThanOrEqual(1024);

    const small = describeDiscovery({ tcp, liveHosts: 3, addresses: 254, packetsPerSecond: 1000 });
    expect(small.phase1Ports).toEqual(PORTS);
    expect(small.blindSpots).not.toMatch(/left out/);
  });
});
