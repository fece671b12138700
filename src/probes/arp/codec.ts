/**
 * MAC address handling shared by every probe that sees one (ARP table, SADP `MAC`, DHIP
 * `mac`, ONVIF `MAC/` scope or Hikvision endpoint UUID, SNMP macAddr). Pure functions.
 */

/**
 * Normalises the spellings devices use — `58-50-ED-1F-E3-85`, `5850.ed1f.e385`,
 * `5850ed1fe385`, `58:50:ed:1f:e3:85` — to lower-case colon form. Returns null for anything
 * that is not exactly six octets, and for the all-zero and broadcast addresses, which name
 * no device.
 */
export function normaliseMac(text: string): string | null {
  const t = text.trim();
  if (t.length > 32) return null;
  let hex: string;
  if (/^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$/i.test(t)) {
    hex = t
      .split(/[:-]/)
      .map((o) => o.padStart(2, '0'))
      .join('');
  } else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(t) || /^[0-9a-f]{12}$/i.test(t)) {
    hex = t.replace(/\./g, '');
  } else return null;
  hex = hex.toLowerCase();
  if (hex === '000000000000' || hex === 'ffffffffffff') return null;
  return hex.match(/../g)!.join(':');
}

/** The U/L bit of the first octet: set on randomised (privacy) and virtual-machine MACs. */
export function isLocallyAdministered(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 0x02) !== 0;
}

/** The I/G bit: a group (multicast) address never belongs to one host. */
export function isGroupAddress(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 0x01) !== 0;
}

/**
 * The MAC inside a Hikvision ONVIF endpoint: a time-based (version 1) UUID whose node field
 * is the device MAC (protocols.md §1.3, `…-b4a3820fd92d` ↔ `b4:a3:82:0f:d9:2d`). Random
 * (version 4) UUIDs, as Dahua sends, carry no MAC and give null.
 */
export function macFromUuid(endpoint: string): string | null {
  const m = /([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\s*$/i.exec(
    endpoint.trim(),
  );
  if (!m || m[3]![0] !== '1') return null;
  const mac = normaliseMac(m[5]!);
  return mac && !isGroupAddress(mac) ? mac : null;
}

export interface NeighbourEntry {
  readonly ip: string;
  readonly mac: string;
  readonly device: string;
}

// /proc/net/arp flag ATF_COM (0x2): the entry is complete (the kernel has a MAC for it).
const ATF_COM = 0x2;

/**
 * Parses `/proc/net/arp` (columns: IP address, HW type, Flags, HW address, Mask, Device).
 * Incomplete entries — addresses that never answered ARP — are skipped.
 */
export function parseProcArp(text: string): NeighbourEntry[] {
  const out: NeighbourEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6) continue;
    const [ip, , flags, hw, , device] = cols as [string, string, string, string, string, string];
    if ((Number.parseInt(flags, 16) & ATF_COM) === 0) continue;
    const mac = normaliseMac(hw);
    if (mac === null || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) continue;
    out.push({ ip, mac, device });
  }
  return out;
}
