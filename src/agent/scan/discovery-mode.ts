/**
 * The report's account of how live hosts were found and what that way of finding them cannot
 * see, so an auditor knows what a clean report does and does not prove.
 */
import type { DiscoveryMode } from '../../contract/types.js';

export function describeDiscovery(tcp: Readonly<Record<string, unknown>>, liveHosts: number): DiscoveryMode {
  if (tcp.discovery === 'full') {
    return {
      mode: 'full',
      liveHosts,
      blindSpots:
        'every port in the list was tried on every address; a device answering only on ports outside the list, or only to other protocols off-link, is not seen',
    };
  }
  const phase1Ports = [...((tcp.discoveryPorts as readonly number[] | undefined) ?? [])];
  return {
    mode: 'two-phase',
    phase1Ports,
    liveHosts,
    blindSpots: `an address was swept only if it answered a connect to ports ${phase1Ports.join(', ')} (open or refused), answered ARP on a local segment, or was heard by a discovery protocol; a routed host that silently drops those ports and announces nothing is not seen (use --discovery full)`,
  };
}
