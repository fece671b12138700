/**
 * Garbage-collector tuning for a sweep (issue 15, memory). A /16 sweep opens tens of thousands
 * of sockets a second; each lives one connect timeout, long enough for some to be promoted to
 * V8's old generation, which by default grows to up to four times its live size before a full
 * collection. Measured in the /16 bench, old space swung between 57 and 165 MB while the live
 * data stayed near 60 MB, and that swing was most of the 300 MB peak.
 *
 * Capping the growth step at 30 % trades a full collection every few seconds (tens of
 * milliseconds each, on a scan paced by its packet rate, not by the CPU) for a peak that follows
 * the live data. V8 reads this flag at every collection, so setting it at run time takes effect.
 */
import { setFlagsFromString } from 'node:v8';

/** Old-generation growth allowed between full collections, in percent. */
export const SCAN_HEAP_GROWING_PERCENT = 30;

let tuned = false;

/** Once per process (the daemon scans many times): later calls change nothing. */
export function tuneHeapForSweep(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString(`--heap-growing-percent=${SCAN_HEAP_GROWING_PERCENT}`);
}
