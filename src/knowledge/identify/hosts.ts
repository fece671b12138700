/**
 * One group of observations per physical host (docs/protocols.md §8 item 2): linked by MAC
 * address first, then by serial number, then by IP address.
 *
 * Why not simply by IP: a device can answer on two addresses (an NVR with two NICs, a camera
 * whose SADP reply carries its own static address), and one address can belong to two devices
 * over a long scan or a daemon's lifetime (DHCP handed it on). MACs and serials say which.
 *
 * Two guards keep the links honest. A MAC or serial seen on many addresses is not an identity
 * but a shared value — a proxy-ARP router answering for a subnet, a firmware placeholder
 * serial — and links nothing. A MAC read out of an ONVIF endpoint UUID is only a hint: the
 * neighbour table and the protocols that report a MAC outright win when they disagree.
 */

import { type IdentityKeys, macClaim, macHint, serialClaim } from '../../contract/identity.js';
import type { Observation } from '../../contract/types.js';

export interface HostGroup {
  /** The address the device is reported under: the one most of its observations came from. */
  readonly ip: string;
  readonly mac: string | null;
  /** Every observation of the host, in time order, each keeping its probe, port and time. */
  readonly observations: Observation[];
}

/** A value seen on more addresses than this is shared, not an identity. */
const SHARED_LIMIT = 8;

/** Observations of one address during one tenancy (one MAC), before linking. */
interface Unit {
  readonly ip: string;
  mac: string | null;
  readonly observations: Observation[];
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + (Number(p) || 0), 0);
}

/**
 * Splits one address's observations into tenancies when the address was claimed by more than
 * one MAC: each observation goes to the claim nearest in time (the latest before it, else the
 * first after it).
 */
function unitsOf(ip: string, observations: Observation[], keys: IdentityKeys): Unit[] {
  const sorted = [...observations].sort((a, b) => a.at.localeCompare(b.at));
  const claims = sorted.map((o) => macClaim(o, keys));
  const distinct = new Set(claims.filter((c): c is string => c !== null));
  if (distinct.size <= 1) return [{ ip, mac: [...distinct][0] ?? null, observations: sorted }];
  const units = new Map<string, Unit>();
  for (const mac of distinct) units.set(mac, { ip, mac, observations: [] });
  let current: string | null = null;
  const firstClaim = claims.find((c) => c !== null)!;
  for (let i = 0; i < sorted.length; i++) {
    current = claims[i] ?? current;
    units.get(current ?? firstClaim)!.observations.push(sorted[i]!);
  }
  return [...units.values()];
}

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

class UnionFind {
  private readonly parent: number[] = [];
  add(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    this.parent[this.find(a)] = this.find(b);
  }
}

/**
 * Groups observations per physical host. `keys` says which observation keys carry a MAC or a
 * serial (each probe declares its own in the probe registry).
 */
export function mergeObservations(observations: readonly Observation[], keys: IdentityKeys): HostGroup[] {
  const byIp = new Map<string, Observation[]>();
  for (const o of observations) {
    entry(byIp, o.host, () => []).push(o);
  }
  const units: Unit[] = [];
  for (const [ip, list] of byIp) units.push(...unitsOf(ip, list, keys));

  // Which addresses each identity value was seen on, to recognise shared values.
  const tokenUnits = new Map<string, number[]>();
  const tokenIps = new Map<string, Set<string>>();
  const note = (token: string, unit: number, ip: string) => {
    const u = entry(tokenUnits, token, () => []);
    if (u[u.length - 1] !== unit) u.push(unit);
    entry(tokenIps, token, () => new Set()).add(ip);
  };
  units.forEach((unit, i) => {
    if (unit.mac) note(`mac:${unit.mac}`, i, unit.ip);
    for (const o of unit.observations) {
      const hint = macHint(o, keys);
      // A hint that contradicts the address's stated MAC links nothing.
      if (hint && (unit.mac === null || unit.mac === hint)) note(`mac:${hint}`, i, unit.ip);
      const serial = serialClaim(o, keys);
      if (serial) note(`sn:${serial}`, i, unit.ip);
    }
  });

  const uf = new UnionFind();
  for (let i = 0; i < units.length; i++) uf.add();
  for (const [token, members] of tokenUnits) {
    if ((tokenIps.get(token)?.size ?? 0) > SHARED_LIMIT) continue;
    for (let k = 1; k < members.length; k++) uf.union(members[0]!, members[k]!);
  }

  const groups = new Map<number, Unit[]>();
  units.forEach((unit, i) => {
    const root = uf.find(i);
    entry(groups, root, () => []).push(unit);
  });

  const out: HostGroup[] = [];
  for (const members of groups.values()) {
    const counts = new Map<string, number>();
    for (const m of members) counts.set(m.ip, (counts.get(m.ip) ?? 0) + m.observations.length);
    const ip = [...counts.entries()].sort((a, b) => b[1] - a[1] || ipNumber(a[0]) - ipNumber(b[0]))[0]![0];
    const primary = members.find((m) => m.ip === ip && m.mac) ?? members.find((m) => m.mac);
    let mac = primary?.mac ?? null;
    if (mac === null) {
      for (const m of members) for (const o of m.observations) mac ??= macHint(o, keys);
    }
    const all = members.flatMap((m) => m.observations).sort((a, b) => a.at.localeCompare(b.at));
    out.push({ ip, mac, observations: all });
  }
  return out.sort(
    (a, b) =>
      ipNumber(a.ip) - ipNumber(b.ip) ||
      (a.observations[0]?.at ?? '').localeCompare(b.observations[0]?.at ?? ''),
  );
}
