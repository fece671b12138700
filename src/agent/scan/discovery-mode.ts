/**
 * The report's account of how live hosts were found and what that way of finding them cannot
 * see, so an auditor knows what a clean report does and does not prove.
 */
import type { DiscoveryMode } from '../../contract/types.js';
import { phase1Ports } from '../probes/tcp/plan.js';

export interface DiscoveryRun {
  /** The tcp probe's validated config section. */
  readonly tcp: Readonly<Record<string, unknown>>;
  readonly liveHosts: number;
  /** Addresses in scope and the scan's packet-rate cap: they decide how many phase-1 ports fit. */
  readonly addresses: number;
  readonly packetsPerSecond: number;
}

export function describeDiscovery(run: DiscoveryRun): DiscoveryMode {
  const { tcp, liveHosts } = run;
  if (tcp.discovery === 'full') {
    return {
      mode: 'full',
      liveHosts,
      blindSpots:
        'every port in the list was tried on every address; a device answering only on ports outside the list, or only to other protocols off-link, is not seen',
    };
  }
  const listed = (tcp.discoveryPorts as readonly number[] | undefined) ?? [];
  const budgetMs = typeof tcp.discoveryBudget === 'number' ? tcp.discoveryBudget : Number.POSITIVE_INFINITY;
  const used = [...phase1Ports(listed, run.addresses, run.packetsPerSecond, budgetMs)];
  const left = listed.filter((p) => !used.includes(p));
  const trimmed =
    left.length > 0
      ? `; ports ${left.join(', ')} were left out of phase 1 to keep it within its ${Math.round(budgetMs / 1000)} s budget for ${run.addresses} addresses at ${run.packetsPerSecond > 0 ? `${run.packetsPerSecond} packets/s` : 'full speed'} (raise probes.tcp.discoveryBudget or --rate to include them)`
      : '';
  return {
    mode: 'two-phase',
    phase1Ports: used,
    liveHosts,
    blindSpots: `an address was swept only if it answered a connect to port${used.length === 1 ? '' : 's'} ${used.join(', ')} (open or refused), answered ARP on a local segment, or was heard by a discovery protocol; a routed host that silently drops ${used.length === 1 ? 'that port' : 'those ports'} and announces nothing is not seen (use --discovery full)${trimmed}`,
  };
}
