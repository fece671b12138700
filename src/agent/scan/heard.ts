/**
 * What the daemon's passive listeners heard between scans joins the scan's own observations
 * before identification, so a device that only announced itself (a WS-Discovery Hello, an mDNS
 * announcement) is identified and classified like any other, and a device both heard and
 * scanned gains the announcement as evidence instead of appearing twice.
 */
import type { Device, Observation, ProbeStatus } from '../../contract/types.js';
import type { Scope } from '../../core/scope.js';

export interface HeardFold {
  /** The scan's observations followed by the in-scope heard ones. */
  readonly observations: readonly Observation[];
  /** The `passive` entry of the report's probe status, when anything in scope was heard. */
  status(devices: readonly Device[]): ProbeStatus | null;
  /** Devices present only because they were heard (none of their observations is the scan's). */
  heardOnly(devices: readonly Device[]): number;
}

export function foldHeard(
  scanned: readonly Observation[],
  heard: readonly Observation[],
  scope: Scope,
): HeardFold {
  // The scan's own rule: facts about hosts outside scope are not reported (runner.ts).
  const inScope = heard.filter((o) => scope.has(o.host));
  const fromHeard = new Set(inScope);
  const heardOnly = (devices: readonly Device[]) =>
    inScope.length === 0
      ? 0
      : devices.filter((d) => (d.observations ?? []).every((o) => fromHeard.has(o))).length;
  return {
    observations: inScope.length === 0 ? scanned : [...scanned, ...inScope],
    heardOnly,
    status(devices) {
      if (inScope.length === 0) return null;
      const hosts = new Set(inScope.map((o) => o.host)).size;
      return {
        probe: 'passive',
        outcome: 'ok',
        observations: inScope.length,
        durationMs: 0,
        message: `announcements heard between scans: ${hosts} host(s), ${heardOnly(devices)} not seen by the scan itself`,
      };
    },
  };
}
