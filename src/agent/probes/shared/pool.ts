/**
 * Concurrency and pacing helpers shared by the probes: bounded parallel lanes, a job limiter,
 * an abortable sleep, and waiting for room under the packet-rate cap.
 */
import { whenAborted } from '../../../core/abort.js';

/**
 * Runs `work` over a lazily produced stream of items with at most `limit` in flight. Items are
 * pulled one at a time, so a /16 × 20 ports never sits in memory as a task array, and the
 * stream stops being pulled as soon as `signal` aborts.
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const lane = async (): Promise<void> => {
    while (!signal.aborted) {
      const next = iterator.next();
      if (next.done) return;
      await work(next.value);
    }
  };
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < Math.max(1, limit); i++) lanes.push(lane());
  await Promise.all(lanes);
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(() => {
      cancel();
      resolve();
    }, ms);
    const cancel = whenAborted(signal, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Waits for room under the rate cap. False when the scan was aborted meanwhile (the runner's
 * pacer rejects then): the caller sends nothing and winds down instead of throwing out of
 * one of many parallel lanes while the others keep going.
 */
export async function paced(
  ctx: { takePackets(n?: number): Promise<void>; signal: AbortSignal },
  packets = 1,
): Promise<boolean> {
  try {
    await ctx.takePackets(packets);
  } catch (err) {
    if (ctx.signal.aborted) return false;
    throw err;
  }
  return !ctx.signal.aborted;
}

/** Runs async work with at most `n` jobs in flight (device-service calls after discovery). */
export function limiter(n: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    while (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
