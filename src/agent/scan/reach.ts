/**
 * How unicast attempts at each address ended (answered, timed out, unreachable), for the
 * coverage section. A /16 sweep notes a timeout for nearly every one of its 65,536 addresses,
 * so the tally keeps one small integer per address (three 10-bit counters packed, keyed by the
 * address as a number) instead of an object and a string key each.
 */

import { parseIpv4 } from '../../core/ipv4.js';
import type { ReachOutcome } from '../probes/shared/types.js';
import type { HostReachCounts } from './coverage.js';

/** Read side, what the coverage section needs. */
export interface ReachLookup {
  get(host: string): HostReachCounts | undefined;
}

export interface ReachTally extends ReachLookup {
  note(host: string, outcome: ReachOutcome): void;
}

const BITS = 10;
const MAX = (1 << BITS) - 1;
const SHIFT: Record<ReachOutcome, number> = { answered: 0, timeout: BITS, unreachable: 2 * BITS };

export function createReachTally(): ReachTally {
  // Keys are the address as a signed 32-bit integer: a small integer to V8, not a boxed number.
  const counts = new Map<number, number>();
  const keyOf = (host: string) => {
    const n = parseIpv4(host);
    return n === null ? null : n | 0;
  };
  return {
    note(host, outcome) {
      const key = keyOf(host);
      if (key === null) return;
      const packed = counts.get(key) ?? 0;
      const shift = SHIFT[outcome];
      // Saturates at 1,023 per counter: coverage only compares them and tests for zero.
      if (((packed >>> shift) & MAX) < MAX) counts.set(key, packed + (1 << shift));
    },
    get(host) {
      const key = keyOf(host);
      const packed = key === null ? undefined : counts.get(key);
      if (packed === undefined) return undefined;
      return {
        answered: packed & MAX,
        timeout: (packed >>> BITS) & MAX,
        unreachable: (packed >>> (2 * BITS)) & MAX,
      };
    },
  };
}
