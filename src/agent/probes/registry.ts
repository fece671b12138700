/**
 * The probe registry: one line per probe (docs/architecture.md §6 practice 1). Order is the order of the
 * report's `scan.probes` list; the runner groups them by phase.
 */

import { type IdentityKeys, identityKeys } from '../../contract/identity.js';
import { arpProbe } from './arp/index.js';
import { dhipProbe } from './dhip/index.js';
import { httpProbe } from './http/index.js';
import { mdnsProbe } from './mdns/index.js';
import { onvifProbe } from './onvif/index.js';
import { rtspProbe } from './rtsp/index.js';
import { sadpProbe } from './sadp/index.js';
import type { Probe } from './shared/types.js';
import { snmpProbe } from './snmp/index.js';
import { switchProbe } from './switch/index.js';
import { tcpProbe } from './tcp/index.js';

export const probes: readonly Probe[] = Object.freeze([
  onvifProbe,
  sadpProbe,
  dhipProbe,
  mdnsProbe,
  tcpProbe,
  switchProbe,
  arpProbe,
  snmpProbe,
  httpProbe,
  rtspProbe,
]);

export function probeById(id: string): Probe | undefined {
  return probes.find((p) => p.id === id);
}

/** The identity-carrying keys every probe declares, joined (host merging reads them). */
export const hostIdentityKeys: IdentityKeys = identityKeys(probes.map((p) => p.identityKeys));
