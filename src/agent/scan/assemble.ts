/**
 * Turns the runner's observations into report devices: merge per physical host, identify,
 * classify. Pure apart from the engines it is handed, so it also runs offline on saved
 * observations (docs/architecture.md §1: identify and classify must run offline).
 */

import type {
  ClassifyResult,
  Device,
  Evidence,
  IdentifyResult,
  Identity,
  Observation,
  ReportSummary,
  Risk,
} from '../../contract/types.js';
import { cap } from '../../core/text.js';
import { mergeObservations } from '../../knowledge/identify/hosts.js';
import { hostIdentityKeys } from '../probes/registry.js';
import { locationOf } from './location.js';

export interface Engines {
  identify(observations: readonly Observation[]): IdentifyResult;
  classify(identity: Identity, evidence: readonly Evidence[], at: Date): ClassifyResult;
  /** Firmware risk from already-observed strings; absent in engines that do not assess it. */
  risks?(identity: Identity, at: Date): Risk[];
}

/** Keys whose values name the host on the network (shown in the report's `hostnames`). */
const HOSTNAME_KEYS = new Set(['mdns.host', 'snmp.sysName']);

export function assembleDevices(observations: readonly Observation[], engines: Engines, at: Date): Device[] {
  const devices: Device[] = [];
  for (const group of mergeObservations(observations, hostIdentityKeys)) {
    const { identity, evidence } = engines.identify(group.observations);
    const { verdict, findings } = engines.classify(identity, evidence, at);
    const risks = engines.risks?.(identity, at) ?? [];
    const hostnames = [
      ...new Set(
        group.observations
          .filter((o) => HOSTNAME_KEYS.has(o.key))
          .map((o) => cap(o.value.replace(/\.$/, ''), 255)),
      ),
    ].slice(0, 32);
    const location = locationOf(group.observations);
    devices.push({
      ip: group.ip,
      mac: group.mac,
      hostnames,
      identity,
      verdict,
      findings,
      evidence,
      ...(risks.length > 0 ? { risks } : {}),
      observations: group.observations,
      ...(location ? { location } : {}),
    });
  }
  return devices.sort((a, b) => ipOrder(a.ip) - ipOrder(b.ip));
}

function ipOrder(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function summarise(hostsScanned: number, devices: readonly Device[]): ReportSummary {
  const count = (v: Device['verdict']) => devices.filter((d) => d.verdict === v).length;
  return {
    hosts: hostsScanned,
    devices: devices.length,
    covered: count('covered'),
    suspect: count('suspect'),
    notCovered: count('not-covered'),
    unknown: count('unknown'),
  };
}
