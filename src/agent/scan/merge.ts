/**
 * One group of observations per physical host (protocols.md §8 item 2): linked by MAC
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

import type { Observation } from '../../contract/types.js';
import { macFromUuid, normaliseMac } from '../../core/mac.js';
import { MAC_OIDS, SERIAL_OIDS } from '../probes/snmp/codec.js';

export interface HostGroup {
  /** The address the device is reported under: the one most of its observations came from. */
  readonly ip: string;
  readonly mac: string | null;
  /** Every observation of the host, in time order, each keeping its probe, port and time. */
  readonly observations: Observation[];
}

/** A value seen on more addresses than this is shared, not an identity. */
const SHARED_LIMIT = 8;

const MAC_KEYS = new Set([
  'mac.address',
  'sadp.mac',
  'dhip.mac',
  'onvif.scope.mac',
  ...MAC_OIDS.map((o) => `snmp.oid.${o}`),
]);
const SERIAL_KEYS = new Set([
  'sadp.devicesn',
  'dhip.serialno',
  'onvif.device.serial',
  ...SERIAL_OIDS.map((o) => `snmp.oid.${o}`),
]);

/** Strong MAC claim of one observation (a protocol stating the MAC), or null. */
export function macClaim(o: Observation): string | null {
  if (!MAC_KEYS.has(o.key.toLowerCase())) return null;
  return normaliseMac(o.value.replace(/^0x/i, ''));
}

/** Weak MAC hint: the node field of a time-based ONVIF endpoint UUID (Hikvision). */
function macHint(o: Observation): string | null {
  return o.key === 'onvif.endpoint' ? macFromUuid(o.value) : null;
}

// Hikvision full serial: model, 8-digit date, 4 letters, digits (protocols.md §2.3), which is
// also the mDNS SRV target (§5.6). Dahua serials ride in Digest realms "Login to <serial>" (§5.3).
const HIK_SERIAL = /^[A-Z0-9][A-Z0-9/-]*\d{8}[A-Z]{4}\d{5,}[A-Z]*$/;
const REALM_SERIAL = /^Login to ([0-9A-Z]{10,32})$/i;
const PLACEHOLDER = /^(0+|F+|N\/?A|NONE|NULL|UNKNOWN|DEFAULT|SERIAL|123456789\d*)$/;

function usableSerial(text: string): string | null {
  const s = text.trim().toUpperCase();
  if (s.length < 6 || s.length > 64 || PLACEHOLDER.test(s) || /^(.)\1*$/.test(s)) return null;
  return s;
}

/** Serial claim of one observation, normalised upper-case, or null. */
export function serialClaim(o: Observation): string | null {
  const key = o.key.toLowerCase();
  if (SERIAL_KEYS.has(key)) return usableSerial(o.value);
  if (key === 'mdns.host') {
    const name = o.value
      .trim()
      .replace(/\.$/, '')
      .replace(/\.local$/i, '')
      .toUpperCase();
    return HIK_SERIAL.test(name) ? usableSerial(name) : null;
  }
  if (key === 'http.auth.realm' || key === 'rtsp.auth.realm') {
    const m = REALM_SERIAL.exec(o.value.trim());
    return m ? usableSerial(m[1]!) : null;
  }
  return null;
}

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
function unitsOf(ip: string, observations: Observation[]): Unit[] {
  const sorted = [...observations].sort((a, b) => a.at.localeCompare(b.at));
  const claims = sorted.map(macClaim);
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

export function mergeObservations(observations: Observation[]): HostGroup[] {
  const byIp = new Map<string, Observation[]>();
  for (const o of observations) {
    entry(byIp, o.host, () => []).push(o);
  }
  const units: Unit[] = [];
  for (const [ip, list] of byIp) units.push(...unitsOf(ip, list));

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
      const hint = macHint(o);
      // A hint that contradicts the address's stated MAC links nothing.
      if (hint && (unit.mac === null || unit.mac === hint)) note(`mac:${hint}`, i, unit.ip);
      const serial = serialClaim(o);
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
      for (const m of members) for (const o of m.observations) mac ??= macHint(o);
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
