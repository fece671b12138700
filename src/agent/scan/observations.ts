/**
 * The run's observations, kept per host as they arrive (issue 15): each host's facts sit in its
 * own list, so what a scan holds grows with the hosts that answered, never with the address
 * range, and one chatty or hostile device cannot fill memory: past `MAX_PER_HOST` a host's
 * further observations are dropped and counted, and the probe's status says so.
 */
import type { Observation } from '../../contract/types.js';

/** More facts than any real device yields (a camera gives 40 to 80); the rest is noise or abuse. */
export const MAX_PER_HOST = 2000;

export class HostObservations {
  private readonly byHost = new Map<string, Observation[]>();
  private total = 0;

  /** Adds one; false when the host already holds `MAX_PER_HOST` (the observation is dropped). */
  add(obs: Observation): boolean {
    let list = this.byHost.get(obs.host);
    if (!list) {
      list = [];
      this.byHost.set(obs.host, list);
    }
    if (list.length >= MAX_PER_HOST) return false;
    list.push(obs);
    this.total++;
    return true;
  }

  get size(): number {
    return this.total;
  }

  /** Every observation, host by host, each host's in arrival order. */
  toArray(): Observation[] {
    const out: Observation[] = [];
    for (const list of this.byHost.values()) for (const obs of list) out.push(obs);
    return out;
  }
}
