import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Not the host's namespace: a different namespace from PID 1 where /proc lets us compare, and
 * in any case no default route (a fresh `unshare -n` has none; the host always has one).
 */
export function ownNamespace(): boolean {
  try {
    if (readlinkSync('/proc/self/ns/net') === readlinkSync('/proc/1/ns/net')) return false;
  } catch {
    // PID 1 hidden from us (containers, hidepid): fall back to the route check alone
  }
  try {
    const routes = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1);
    return !routes.some((line) => line.split(/\s+/)[1] === '00000000');
  } catch {
    return false;
  }
}

/**
 * Why a browser may not run here: only inside npm test's own namespace (CAMSWEEP_TEST_NETNS set
 * by the test script, and not the host's namespace). Sibling test files add veth pairs to that
 * namespace while this one runs, so "only loopback" is not the test: those pairs lead only to
 * other namespaces the tests made, never out. Null when the browser may run.
 */
export function notOwnTestNamespace(): string | null {
  if (process.env.CAMSWEEP_TEST_NETNS === '1' && ownNamespace()) return null;
  return 'not in an isolated network namespace of its own; run via npm test (which uses unshare -n)';
}
