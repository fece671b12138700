/**
 * The global packet-rate cap: a single schedule shared by every probe, so the whole scan
 * never exceeds `packetsPerSecond` however many probes run at once (docs/architecture.md §7, politeness).
 * Each call reserves the next free slot and sleeps until it; reservations are first come,
 * first served, so no probe can starve another.
 */
import { whenAborted } from '../../core/abort.js';

export interface PacketPacer {
  take(packets: number, signal: AbortSignal): Promise<void>;
  /** Packets reserved so far (for the benchmark's packets-per-second figure). */
  readonly sent: number;
}

export function createPacer(packetsPerSecond: number): PacketPacer {
  let nextFree = 0;
  let sent = 0;
  const interval = packetsPerSecond > 0 ? 1000 / packetsPerSecond : 0;
  return {
    get sent() {
      return sent;
    },
    async take(packets: number, signal: AbortSignal) {
      signal.throwIfAborted();
      sent += packets;
      if (interval === 0) return;
      const now = performance.now();
      // A short burst allowance (one tenth of a second) keeps small scans snappy without
      // letting a long scan exceed the cap on average.
      const start = Math.max(now - 100, nextFree);
      nextFree = start + packets * interval;
      const wait = start - now;
      if (wait <= 0) return;
      // Thousands of waiters share the probe's signal: one listener for all (core/abort.ts).
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          cancel();
          resolve();
        }, wait);
        const cancel = whenAborted(signal, () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    },
  };
}

/** Caps how many probe operations touch one host at a time. */
export function createHostGate(perHost: number) {
  const active = new Map<string, number>();
  const waiting = new Map<string, (() => void)[]>();

  function release(host: string) {
    const queue = waiting.get(host);
    const next = queue?.shift();
    if (next) {
      next(); // hand the slot straight to the next waiter
      return;
    }
    if (queue) waiting.delete(host);
    const n = (active.get(host) ?? 1) - 1;
    if (n <= 0) active.delete(host);
    else active.set(host, n);
  }

  return async function withHost<T>(host: string, work: () => Promise<T>): Promise<T> {
    const n = active.get(host) ?? 0;
    if (n < perHost) active.set(host, n + 1);
    else {
      await new Promise<void>((resolve) => {
        const queue = waiting.get(host) ?? [];
        queue.push(resolve);
        waiting.set(host, queue);
      });
    }
    try {
      return await work();
    } finally {
      release(host);
    }
  };
}
