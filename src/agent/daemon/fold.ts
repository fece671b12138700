/**
 * Folds what the passive listeners heard between scans into a scan's report, so a device
 * that announced itself (a WS-Discovery Hello, an mDNS announcement) appears in the next
 * report even when it would not answer the scan itself. The report's devices carry every
 * observation of their host, so the same assembly the scan used (merge → identify →
 * classify) runs again over the union, and a heard host that the scan also saw gains the
 * announcement as evidence instead of appearing twice.
 */

import type { Observation, Report } from '../../contract/types.js';
import type { Scope } from '../../core/scope.js';
import { assembleDevices, type Engines, summarise } from '../scan/assemble.js';

export interface Folded {
  readonly report: Report;
  /** Devices present only because they were heard between scans. */
  readonly heardPassively: number;
}

export function foldHeard(
  report: Report,
  heard: readonly Observation[],
  scope: Scope,
  engines: Engines,
): Folded {
  // The scan's own rule: facts about hosts outside scope are not reported (runner.ts).
  const inScope = heard.filter((o) => scope.has(o.host));
  if (inScope.length === 0) return { report, heardPassively: 0 };
  const scanned = report.devices.flatMap((d) => d.observations ?? []);
  const scannedHosts = new Set(report.devices.map((d) => d.ip));
  const devices = assembleDevices([...scanned, ...inScope], engines, new Date(report.scan.startedAt));
  const heardOnly = devices.filter((d) => !scannedHosts.has(d.ip)).length;
  return {
    report: {
      ...report,
      scan: {
        ...report.scan,
        probeStatus: [
          ...(report.scan.probeStatus ?? []),
          {
            probe: 'passive',
            outcome: 'ok',
            observations: inScope.length,
            durationMs: 0,
            message: `announcements heard between scans: ${new Set(inScope.map((o) => o.host)).size} host(s), ${heardOnly} not seen by the scan itself`,
          },
        ],
      },
      summary: summarise(report.summary.hosts, devices),
      devices,
    },
    heardPassively: heardOnly,
  };
}
