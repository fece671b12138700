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
