/**
 * Addresses the kernel has a complete neighbour entry for: on-link hosts that answered ARP,
 * even when every TCP port they have is filtered. The sweep's first phase has just made the
 * kernel ARP for each on-link address it connected to, so this is the cheapest liveness
 * signal there is. Read-only; unreadable (not Linux, sandboxed /proc) means "none".
 */
import { readFile } from 'node:fs/promises';
import { parseProcArp } from '../arp/codec.js';

export async function neighbourAddresses(table: string): Promise<Set<string>> {
  try {
    return new Set(parseProcArp(await readFile(table, 'utf8')).map((e) => e.ip));
  } catch {
    return new Set();
  }
}
