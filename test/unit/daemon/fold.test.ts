import { describe, expect, it } from 'vitest';
import { assembleDevices, type Engines, summarise } from '../../../src/agent/scan/assemble.js';
import { foldHeard as foldObservations } from '../../../src/agent/scan/heard.js';
import type { Observation } from '../../../src/contract/types.js';
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

/**
 * What the daemon's scan does with heard observations: fold them into the scan's own before
 * identification, then assemble the devices once.
 */
function foldHeard(scan: Observation[], heard: Observation[]) {
  const fold = foldObservations(scan, heard, scope);
  const devices = assembleDevices(fold.observations, engines, new Date(at));
  const passive = fold.status(devices);
  return {
    devices,
    summary: summarise(254, devices),
    probeStatus: passive ? [passive] : [],
    heardPassively: fold.heardOnly(devices),
  };
}

describe('foldHeard', () => {
  it('adds a device heard only from its Hello, identified and counted in the summary', () => {
    const out = foldHeard(
      [o('10.77.0.10', 'tcp.open', '80', 'tcp')],
      [o('10.77.0.45', 'onvif.endpoint', 'uuid-1')],
    );
    expect(out.heardPassively).toBe(1);
    expect(out.devices.map((d) => d.ip)).toEqual(['10.77.0.10', '10.77.0.45']);
    expect(out.devices[1]!.verdict).toBe('covered');
    expect(out.summary).toMatchObject({ devices: 2, covered: 1, unknown: 1, hosts: 254 });
    expect(out.probeStatus.at(-1)).toMatchObject({ probe: 'passive', observations: 1 });
  });

  it('merges a heard announcement into the device the scan found instead of duplicating it', () => {
    const out = foldHeard(
      [o('10.77.0.45', 'tcp.open', '80', 'tcp')],
      [o('10.77.0.45', 'onvif.endpoint', 'uuid-1')],
    );
    expect(out.heardPassively).toBe(0);
    expect(out.devices).toHaveLength(1);
    expect(out.devices[0]!.verdict).toBe('covered'); // the announcement now counts as evidence
  });

  it('drops announcements about hosts outside the scan scope, as the scan itself does', () => {
    const out = foldHeard([], [o('192.168.9.9', 'onvif.endpoint', 'uuid-2')]);
    expect(out).toEqual(foldHeard([], []));
    expect(out.devices).toEqual([]);
    expect(out.probeStatus).toEqual([]);
  });
});
