import { describe, expect, it } from 'vitest';
import { foldHeard } from '../../../src/agent/daemon/fold.js';
import type { Engines } from '../../../src/agent/scan/assemble.js';
import type { Observation, Report } from '../../../src/contract/types.js';
import { UNKNOWN_IDENTITY } from '../../../src/contract/types.js';
import { resolveScope } from '../../../src/core/scope.js';

const scope = resolveScope({
  targets: ['10.77.0.0/24'],
  interfaces: [
    { name: 'eth0', address: '10.77.0.2', prefix: 24, subnet: { first: 0x0a4d0000, last: 0x0a4d00ff } },
  ],
});

/** Calls anything with an ONVIF endpoint a covered camera, the rest unknown. */
const engines: Engines = {
  identify: (obs) =>
    obs.some((o) => o.key === 'onvif.endpoint')
      ? {
          identity: { ...UNKNOWN_IDENTITY, manufacturer: 'dahua', confidence: 0.9 },
          evidence: [{ probe: 'onvif', key: 'onvif.endpoint', value: 'x' }],
        }
      : { identity: UNKNOWN_IDENTITY, evidence: [] },
  classify: (identity) =>
    identity.manufacturer ? { verdict: 'covered', findings: [] } : { verdict: 'unknown', findings: [] },
};

const at = '2025-06-10T08:00:00.000Z';
const o = (host: string, key: string, value: string, probe = 'onvif'): Observation => ({
  host,
  key,
  value,
  probe,
  at,
});

function scanned(observations: Observation[]): Report {
  const hosts = [...new Set(observations.map((x) => x.host))];
  return {
    schema: 'camsweep.report/v1',
    reportId: '00000000-0000-4000-8000-000000000001',
    agent: { id: 'a', site: 's', version: '0' },
    scan: { startedAt: at, finishedAt: at, targets: ['10.77.0.0/24'], probes: ['tcp'], rulesVersion: 'r' },
    summary: {
      hosts: 254,
      devices: hosts.length,
      covered: 0,
      suspect: 0,
      notCovered: 0,
      unknown: hosts.length,
    },
    devices: hosts.map((ip) => ({
      ip,
      mac: null,
      hostnames: [],
      identity: UNKNOWN_IDENTITY,
      verdict: 'unknown' as const,
      findings: [],
      evidence: [],
      observations: observations.filter((x) => x.host === ip),
    })),
  };
}

describe('foldHeard', () => {
  it('adds a device heard only from its Hello, identified and counted in the summary', () => {
    const report = scanned([o('10.77.0.10', 'tcp.open', '80', 'tcp')]);
    const { report: out, heardPassively } = foldHeard(
      report,
      [o('10.77.0.45', 'onvif.endpoint', 'uuid-1')],
      scope,
      engines,
    );
    expect(heardPassively).toBe(1);
    expect(out.devices.map((d) => d.ip)).toEqual(['10.77.0.10', '10.77.0.45']);
    expect(out.devices[1]!.verdict).toBe('covered');
    expect(out.summary).toMatchObject({ devices: 2, covered: 1, unknown: 1, hosts: 254 });
    expect(out.scan.probeStatus?.at(-1)).toMatchObject({ probe: 'passive', observations: 1 });
  });

  it('merges a heard announcement into the device the scan found instead of duplicating it', () => {
    const report = scanned([o('10.77.0.45', 'tcp.open', '80', 'tcp')]);
    const { report: out, heardPassively } = foldHeard(
      report,
      [o('10.77.0.45', 'onvif.endpoint', 'uuid-1')],
      scope,
      engines,
    );
    expect(heardPassively).toBe(0);
    expect(out.devices).toHaveLength(1);
    expect(out.devices[0]!.verdict).toBe('covered'); // the announcement now counts as evidence
  });

  it('drops announcements about hosts outside the scan scope, as the scan itself does', () => {
    const report = scanned([]);
    const { report: out } = foldHeard(report, [o('192.168.9.9', 'onvif.endpoint', 'uuid-2')], scope, engines);
    expect(out).toBe(report);
  });
});
