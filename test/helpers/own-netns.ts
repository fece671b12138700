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
 * Why a browser test may not run here: any interface besides loopback means this is not a
 * namespace of its own (/proc/self/net follows this process's namespace; /sys/class/net may not).
 * Null when the namespace holds only `lo`.
 */
export function notLoopbackOnly(): string | null {
  const ifaces = readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter((n) => n && n !== 'lo');
  if (ifaces.length === 0) return null;
  return `not in an isolated network namespace (interfaces: ${ifaces.join(', ')}); run via npm test or unshare -n`;
}
