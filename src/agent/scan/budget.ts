/**
 * Deadlines sized from the work (issue 15). A probe that can tell how long its work takes at
 * the scan's packet rate (`Probe.estimateMs`) gets a deadline of at least that plus slack, so
 * a large scope is never silently cut short by a fixed default; when even that does not fit
 * inside the whole scan's timeout, the scan is refused before a single packet is sent, with
 * the estimate and the ways out.
 */
import { CamsweepError } from '../../core/errors.js';
import type { Scope } from '../../core/scope.js';
import type { Config } from '../config/config.js';
import type { Probe } from '../probes/shared/types.js';

/** Headroom over the estimate: pacing jitter, retries of lost SYNs, slow answers. */
const SLACK = 1.25;

/** Probe id → the deadline (ms) it gets, for probes whose configured one is too short. */
export function sizeDeadlines(probes: readonly Probe[], scope: Scope, config: Config): Map<string, number> {
  const sized = new Map<string, number>();
  for (const probe of probes) {
    const section = config.probes[probe.id];
    if (!probe.estimateMs || !section) continue;
    const need = Math.ceil(probe.estimateMs(scope, section, config.scan.rate) * SLACK);
    if (need > config.scan.timeout) {
      throw new CamsweepError(
        'E_SCAN_TOO_LONG',
        `the ${probe.id} probe needs about ${describe(need)} for ${scope.hosts.length} addresses at ` +
          `${config.scan.rate > 0 ? `${config.scan.rate} packets/s` : 'full speed'}, more than the scan timeout of ` +
          `${describe(config.scan.timeout)}; nothing was sent`,
      );
    }
    if (need > section.deadline) sized.set(probe.id, need);
  }
  return sized;
}

function describe(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${Math.ceil(ms / 1000)} s`;
}
