/**
 * V8 tuning for a sweep (issue 15, memory), set at run time once per process: a one-shot scan
 * and the daemon both come through here before their first probe.
 *
 * - Old generation: a /16 sweep opens tens of thousands of sockets a second; each lives one
 *   connect timeout, long enough for some to be promoted, and by default old space grows to up
 *   to four times its live size before a full collection (measured: it swung between 57 and
 *   165 MB while the live data stayed near 60 MB). Growth is capped at 30 % per collection.
 * - Young generation: V8 doubles the new space up to 2 × 16 MB whenever objects survive, and a
 *   sweep's short-lived sockets make it do so at once. Every scavenge touches those pages, so
 *   that is 30 MB of resident memory holding garbage. A growth factor of 1 keeps the new space
 *   at its 2 MB start; scavenges come more often and each is smaller (measured on the /20:
 *   peak RSS 151 → 123 MB at the same wall time; on the /16 more CPU in V8's helper threads).
 * - WebAssembly: undici parses HTTP with llhttp compiled to WebAssembly, and V8's optimising
 *   tier recompiled it in the background with a 25–34 MB burst of compiler memory a second
 *   into every scan. The baseline compiler (Liftoff) alone parses the few hundred responses of
 *   a scan just as well.
 *
 * V8 reads these flags when it next grows a space or compiles a module, so setting them at run
 * time, before the probes load undici's parser, takes effect.
 */
import { setFlagsFromString } from 'node:v8';

/** Old-generation growth allowed between full collections, in percent. */
export const SCAN_HEAP_GROWING_PERCENT = 30;

export const SCAN_V8_FLAGS = [
  `--heap-growing-percent=${SCAN_HEAP_GROWING_PERCENT}`,
  '--semi-space-growth-factor=1',
  '--liftoff-only',
] as const;

let tuned = false;

/** Once per process (the daemon scans many times): later calls change nothing. */
export function tuneHeapForSweep(): void {
  if (tuned) return;
  tuned = true;
  for (const flag of SCAN_V8_FLAGS) setFlagsFromString(flag);
}
