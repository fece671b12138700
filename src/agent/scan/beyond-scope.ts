/**
 * Which addresses outside the scan scope a table-reading probe (switch) may still report.
 * Reading a switch sends nothing to the devices it lists, so the scope guard on packets is
 * untouched; the report may name them when they are private and not excluded. An excluded
 * range stays out of the report too: the user asked not to look there.
 */
import { isPrivate, parseIpv4 } from '../../core/ipv4.js';
import { parseTarget } from '../../core/scope.js';

export function beyondScopeGuard(exclude: readonly string[]): (ip: string) => boolean {
  const excluded = exclude.map(parseTarget);
  return (ip) => {
    const n = parseIpv4(ip);
    return n !== null && isPrivate(n) && !excluded.some((r) => n >= r.first && n <= r.last);
  };
}
