/**
 * Pure decoding of switch and router tables read over SNMP (README.md lists the OIDs). Every
 * index and value is device-supplied: a row whose index is too short, whose octets exceed 255,
 * or whose value has the wrong type is dropped, never trusted.
 *
 * Index layouts (the MIB INDEX clauses):
 * - IP-MIB ipNetToPhysicalPhysAddress (RFC 4293): ifIndex . addrType . addrLen . address
 * - RFC1213 ipNetToMediaPhysAddress: ifIndex . a.b.c.d
 * - BRIDGE-MIB dot1dTpFdbPort/Status (RFC 4188): six MAC octets; dot1dBasePortIfIndex: port
 * - Q-BRIDGE-MIB dot1qTpFdbPort/Status (RFC 4363): fdbId . six MAC octets
 * - LLDP-MIB lldpRemTable (IEEE 802.1AB): timeMark . localPortNum . remIndex;
 *   lldpRemManAddrTable adds addrSubtype . addrLen . address
 */
import { normaliseMac } from '../../../core/mac.js';
import { cap } from '../../../core/text.js';

/** Columns walked on each switch, in request order. */
export const TABLES = {
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifAlias: '1.3.6.1.2.1.31.1.1.1.18',
  ifDescr: '1.3.6.1.2.1.2.2.1.2',
  ipNetToPhysical: '1.3.6.1.2.1.4.35.1.4',
  ipNetToMedia: '1.3.6.1.2.1.4.22.1.2',
  dot1dBasePort: '1.3.6.1.2.1.17.1.4.1.2',
  dot1dTpFdbPort: '1.3.6.1.2.1.17.4.3.1.2',
  dot1dTpFdbStatus: '1.3.6.1.2.1.17.4.3.1.3',
  dot1qTpFdbPort: '1.3.6.1.2.1.17.7.1.2.2.1.2',
  dot1qTpFdbStatus: '1.3.6.1.2.1.17.7.1.2.2.1.3',
  lldpRemChassisIdSubtype: '1.0.8802.1.1.2.1.4.1.1.4',
  lldpRemChassisId: '1.0.8802.1.1.2.1.4.1.1.5',
  lldpRemPortId: '1.0.8802.1.1.2.1.4.1.1.7',
  lldpRemPortDesc: '1.0.8802.1.1.2.1.4.1.1.8',
  lldpRemSysName: '1.0.8802.1.1.2.1.4.1.1.9',
  lldpRemSysDesc: '1.0.8802.1.1.2.1.4.1.1.10',
  lldpRemManAddr: '1.0.8802.1.1.2.1.4.2.1.3',
  lldpLocPortId: '1.0.8802.1.1.2.1.3.7.1.3',
} as const;

export type TableId = keyof typeof TABLES;

/** The system group, read with one GET before any walk. */
export const SYSTEM = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysName: '1.3.6.1.2.1.1.5.0',
} as const;

/** One walked row: the index after the column's OID, and the value as the library gave it. */
export interface Row {
  readonly index: readonly number[];
  readonly value: Buffer | number | string;
}

export type Tables = Partial<Record<TableId, readonly Row[]>>;

export interface ArpEntry {
  readonly ip: string;
  readonly mac: string;
}

export interface FdbEntry {
  readonly mac: string;
  /** Bridge port number as the FDB states it. */
  readonly bridgePort: number;
  readonly vlan: number | null;
  readonly port: string;
  readonly portAlias: string | null;
}

export interface LldpNeighbour {
  /** Port name on the switch the neighbour was heard on. */
  readonly localPort: string;
  readonly mac: string | null;
  readonly ip: string | null;
  readonly sysName: string | null;
  readonly sysDesc: string | null;
  readonly chassisId: string | null;
  readonly portId: string | null;
  readonly portDesc: string | null;
}

export interface SwitchReading {
  readonly arp: readonly ArpEntry[];
  readonly fdb: readonly FdbEntry[];
  readonly lldp: readonly LldpNeighbour[];
  /** Tables that returned at least one row. */
  readonly answered: readonly TableId[];
}

/** Longest string kept from any table cell (names, descriptions). */
const MAX_TEXT = 512;

/** `index` of `oid` under `root`, as numbers; null when outside it or malformed. */
export function indexUnder(oid: string, root: string): number[] | null {
  const o = oid.replace(/^\./, '');
  if (!o.startsWith(`${root}.`)) return null;
  const parts = o.slice(root.length + 1).split('.');
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,10}$/.test(p)) return null;
    out.push(Number(p));
  }
  return out;
}

function octets(parts: readonly number[]): boolean {
  return parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255);
}

function ipFrom(parts: readonly number[]): string | null {
  return parts.length === 4 && octets(parts) ? parts.join('.') : null;
}

function macFromIndex(parts: readonly number[]): string | null {
  if (parts.length !== 6 || !octets(parts)) return null;
  return parts.map((n) => n.toString(16).padStart(2, '0')).join(':');
}

/** A MAC from a cell: six raw octets, or text some agents (and recorded walks) carry instead. */
export function macFromValue(value: Row['value']): string | null {
  if (Buffer.isBuffer(value)) {
    if (value.length === 6) return [...value].map((b) => b.toString(16).padStart(2, '0')).join(':');
    if (value.length > 64) return null;
    return normaliseMac(value.toString('latin1').trim());
  }
  if (typeof value === 'string' && value.length <= 64) return normaliseMac(value.trim());
  return null;
}

function intFrom(value: Row['value']): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

/** Printable text of a cell, capped; control characters removed (they are hostile here). */
export function textFrom(value: Row['value']): string | null {
  let text: string;
  if (Buffer.isBuffer(value)) {
    const raw = value.subarray(0, MAX_TEXT * 4);
    const utf8 = raw.toString('utf8');
    text = utf8.includes('\uFFFD') ? raw.toString('latin1') : utf8;
  } else if (typeof value === 'string') text = value;
  else return null;
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length === 0 ? null : cap(clean, MAX_TEXT);
}

function byIndex(rows: readonly Row[] | undefined): Map<string, Row['value']> {
  const out = new Map<string, Row['value']>();
  for (const r of rows ?? []) out.set(r.index.join('.'), r.value);
  return out;
}

/** FDB status values to drop: invalid(2), self(4) and mgmt(5) are not devices on a port. */
const NOT_LEARNED = new Set([2, 4, 5]);

export function decodeArp(tables: Tables): ArpEntry[] {
  const seen = new Map<string, ArpEntry>();
  for (const r of tables.ipNetToPhysical ?? []) {
    // ifIndex . addrType(1 = ipv4) . length(4) . address; some agents omit the length.
    const [, type, ...rest] = r.index;
    if (type !== 1) continue;
    const addr = rest.length === 5 && rest[0] === 4 ? rest.slice(1) : rest;
    const ip = ipFrom(addr);
    const mac = macFromValue(r.value);
    if (ip && mac && mac !== '00:00:00:00:00:00') seen.set(`${ip}|${mac}`, { ip, mac });
  }
  for (const r of tables.ipNetToMedia ?? []) {
    const ip = ipFrom(r.index.slice(1));
    const mac = macFromValue(r.value);
    if (ip && mac && mac !== '00:00:00:00:00:00') seen.set(`${ip}|${mac}`, { ip, mac });
  }
  return [...seen.values()];
}

interface PortNames {
  name(ifIndex: number | null, fallback: string): { port: string; alias: string | null };
}

function portNames(tables: Tables): PortNames {
  const names = byIndex(tables.ifName);
  const descr = byIndex(tables.ifDescr);
  const alias = byIndex(tables.ifAlias);
  return {
    name(ifIndex, fallback) {
      if (ifIndex === null) return { port: fallback, alias: null };
      const key = String(ifIndex);
      const n = names.get(key);
      const d = descr.get(key);
      const a = alias.get(key);
      return {
        port:
          (n !== undefined ? textFrom(n) : null) ??
          (d !== undefined ? textFrom(d) : null) ??
          `ifIndex ${ifIndex}`,
        alias: a !== undefined ? textFrom(a) : null,
      };
    },
  };
}

export function decodeFdb(tables: Tables): FdbEntry[] {
  const basePort = new Map<number, number>();
  for (const r of tables.dot1dBasePort ?? []) {
    const ifIndex = intFrom(r.value);
    if (r.index.length === 1 && ifIndex !== null) basePort.set(r.index[0]!, ifIndex);
  }
  const names = portNames(tables);
  const out = new Map<string, FdbEntry>();
  const add = (
    mac: string | null,
    vlan: number | null,
    port: number | null,
    status: Row['value'] | undefined,
  ) => {
    if (mac === null || port === null || port <= 0) return;
    const s = status === undefined ? null : intFrom(status);
    if (s !== null && NOT_LEARNED.has(s)) return;
    const ifIndex = basePort.get(port) ?? null;
    const { port: name, alias } = names.name(ifIndex, `bridge port ${port}`);
    out.set(`${mac}|${vlan ?? ''}`, { mac, bridgePort: port, vlan, port: name, portAlias: alias });
  };
  // Q-BRIDGE first: it carries the VLAN; a plain BRIDGE entry for the same MAC adds nothing.
  const qStatus = byIndex(tables.dot1qTpFdbStatus);
  for (const r of tables.dot1qTpFdbPort ?? []) {
    if (r.index.length !== 7) continue;
    const fdbId = r.index[0]!;
    // The FDB id equals the VLAN id on the independent-learning switches nearly all are; an
    // id outside 1..4094 is not a VLAN and is reported without one.
    const vlan = fdbId >= 1 && fdbId <= 4094 ? fdbId : null;
    add(macFromIndex(r.index.slice(1)), vlan, intFrom(r.value), qStatus.get(r.index.join('.')));
  }
  const dStatus = byIndex(tables.dot1dTpFdbStatus);
  const withVlan = new Set([...out.values()].map((e) => e.mac));
  for (const r of tables.dot1dTpFdbPort ?? []) {
    const mac = macFromIndex(r.index);
    if (mac !== null && withVlan.has(mac)) continue;
    add(mac, null, intFrom(r.value), dStatus.get(r.index.join('.')));
  }
  return [...out.values()];
}

export function decodeLldp(tables: Tables): LldpNeighbour[] {
  const cols = {
    subtype: byIndex(tables.lldpRemChassisIdSubtype),
    chassis: byIndex(tables.lldpRemChassisId),
    portId: byIndex(tables.lldpRemPortId),
    portDesc: byIndex(tables.lldpRemPortDesc),
    sysName: byIndex(tables.lldpRemSysName),
    sysDesc: byIndex(tables.lldpRemSysDesc),
  };
  const localPorts = byIndex(tables.lldpLocPortId);
  const mgmt = new Map<string, string>();
  for (const r of tables.lldpRemManAddr ?? []) {
    // timeMark . localPort . remIndex . subtype(1 = ipv4) . length(4) . address
    if (r.index.length !== 9 || r.index[3] !== 1 || r.index[4] !== 4) continue;
    const ip = ipFrom(r.index.slice(5));
    const key = r.index.slice(0, 3).join('.');
    if (ip && !mgmt.has(key)) mgmt.set(key, ip);
  }
  const keys = new Set<string>();
  for (const col of Object.values(cols))
    for (const k of col.keys()) if (k.split('.').length === 3) keys.add(k);
  const names = portNames(tables);
  const out: LldpNeighbour[] = [];
  for (const key of keys) {
    const localPortNum = Number(key.split('.')[1]);
    const subtype = cols.subtype.has(key) ? intFrom(cols.subtype.get(key)!) : null;
    const chassisRaw = cols.chassis.get(key);
    // Chassis id subtype 4 is macAddress (LLDP-MIB LldpChassisIdSubtype).
    const mac = subtype === 4 && chassisRaw !== undefined ? macFromValue(chassisRaw) : null;
    const loc = localPorts.get(String(localPortNum));
    const text = (v: Row['value'] | undefined) => (v === undefined ? null : textFrom(v));
    out.push({
      // lldpLocPortId names the port; many agents number local ports as ifIndex, so fall back.
      localPort:
        (loc !== undefined ? textFrom(loc) : null) ?? names.name(localPortNum, `port ${localPortNum}`).port,
      mac,
      ip: mgmt.get(key) ?? null,
      sysName: text(cols.sysName.get(key)),
      sysDesc: text(cols.sysDesc.get(key)),
      chassisId: mac ?? text(chassisRaw),
      portId: text(cols.portId.get(key)),
      portDesc: text(cols.portDesc.get(key)),
    });
  }
  return out;
}

export function decodeSwitch(tables: Tables): SwitchReading {
  return {
    arp: decodeArp(tables),
    fdb: decodeFdb(tables),
    lldp: decodeLldp(tables),
    answered: (Object.keys(TABLES) as TableId[]).filter((t) => (tables[t]?.length ?? 0) > 0),
  };
}

/** A switch that was read, as the locator needs it. */
export interface ReadSwitch {
  readonly address: string;
  readonly name: string | null;
  readonly reading: SwitchReading;
}

export interface Located {
  readonly mac: string;
  readonly ips: readonly string[];
  /** The access port, or null for a MAC only a router's neighbour table holds. */
  readonly where: {
    readonly switch: string;
    readonly switchName: string | null;
    readonly port: string;
    readonly portAlias: string | null;
    readonly vlan: number | null;
  } | null;
  readonly lldp: LldpNeighbour | null;
}

/**
 * Where each MAC is plugged in. A MAC appears on every switch between it and the reader:
 * on uplinks shared by many MACs and on one access port. The entry whose port carries the
 * fewest MACs is the access port. MACs only a router's neighbour table holds are kept too,
 * without a port: they still give an address and a maker's OUI.
 */
export function locate(switches: readonly ReadSwitch[]): { located: Located[]; withoutAddress: number } {
  const ipsOf = new Map<string, Set<string>>();
  const lldpOf = new Map<string, LldpNeighbour>();
  const readerMacs = new Set<string>();
  for (const s of switches) {
    for (const a of s.reading.arp) {
      const set = ipsOf.get(a.mac) ?? new Set<string>();
      ipsOf.set(a.mac, set.add(a.ip));
      // A switch's own addresses answer in its ARP table too; they are not a device elsewhere.
      if (a.ip === s.address) readerMacs.add(a.mac);
    }
    for (const n of s.reading.lldp) if (n.mac && !lldpOf.has(n.mac)) lldpOf.set(n.mac, n);
  }
  const portLoad = new Map<string, number>();
  const portKey = (s: ReadSwitch, e: FdbEntry) => `${s.address}|${e.bridgePort}`;
  for (const s of switches)
    for (const e of s.reading.fdb) portLoad.set(portKey(s, e), (portLoad.get(portKey(s, e)) ?? 0) + 1);
  const best = new Map<string, { s: ReadSwitch; e: FdbEntry; load: number }>();
  for (const s of switches) {
    for (const e of s.reading.fdb) {
      const load = portLoad.get(portKey(s, e)) ?? 0;
      const now = best.get(e.mac);
      if (!now || load < now.load) best.set(e.mac, { s, e, load });
    }
  }
  const located: Located[] = [];
  let withoutAddress = 0;
  const macs = new Set([...best.keys(), ...ipsOf.keys()]);
  for (const mac of macs) {
    if (readerMacs.has(mac) && !best.has(mac)) continue;
    const hit = best.get(mac);
    const lldp = lldpOf.get(mac) ?? null;
    const ips = [...(ipsOf.get(mac) ?? [])];
    if (ips.length === 0 && lldp?.ip) ips.push(lldp.ip);
    if (ips.length === 0) withoutAddress++;
    located.push({
      mac,
      ips,
      where: hit
        ? {
            switch: hit.s.address,
            switchName: hit.s.name,
            port: hit.e.port,
            portAlias: hit.e.portAlias,
            vlan: hit.e.vlan,
          }
        : null,
      lldp,
    });
  }
  return { located, withoutAddress };
}
