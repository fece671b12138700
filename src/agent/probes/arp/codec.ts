/**
 * Parsing of the kernel neighbour table (/proc/net/arp). MAC spellings are normalised by
 * src/core/mac.ts, shared by every probe that sees a MAC.
 */

import { normaliseMac } from '../../../core/mac.js';

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
