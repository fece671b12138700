/**
 * A device firewall without a firewall tool: policy-routing rules in the device's namespace
 * send every TCP reply (SYN-ACK or RST) from a port outside `answerOnly` into a blackhole, so
 * a scanner sees those ports as silently filtered, as behind a drop-all host firewall. ARP and
 * UDP (SNMP) are untouched. Port 65535 cannot be named in a rule and stays as it is. Spec: `answerOnly: [8443]` (empty or absent: no TCP answer at all).
 * Uses `ip rule … ipproto tcp sport A-B blackhole` (iproute2 ≥ 4.17; no iptables needed).
 */
import { execFileSync } from 'node:child_process';
import type { RunningSim, SimContext } from './types.js';

export const requires = ['ip'];

/** The port ranges a reply may not come from: 1..65535 minus the allowed ports. */
export function blockedRanges(allowed: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let from = 1;
  for (const port of [...new Set(allowed)].sort((a, b) => a - b)) {
    if (port > from) out.push([from, port - 1]);
    from = port + 1;
  }
  if (from <= 65535) out.push([from, 65535]);
  return out;
}

// The kernel refuses any range reaching 65535 ("Invalid sport range"), so the blocked ranges stop
// at 65534; nothing in the lab listens on 65535 and no scanner port list includes it.
function selectors([a, b]: [number, number]): string[] {
  const end = Math.min(b, 65534);
  if (a > end) return [];
  return [a === end ? String(a) : `${a}-${end}`];
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  const allowed = ctx.spec.answerOnly ?? [];
  if (!Array.isArray(allowed) || !allowed.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535))
    throw new Error('tcpfilter: answerOnly must be a list of port numbers');
  const rules = blockedRanges(allowed as number[]).flatMap(selectors);
  for (const sport of rules)
    execFileSync('ip', ['rule', 'add', 'ipproto', 'tcp', 'sport', sport, 'blackhole'], { stdio: 'pipe' });
  ctx.log(`TCP replies dropped except from ports ${allowed.join(', ') || '(none)'}`);
  return {
    async stop() {
      for (const sport of rules) {
        try {
          execFileSync('ip', ['rule', 'del', 'ipproto', 'tcp', 'sport', sport, 'blackhole'], {
            stdio: 'pipe',
          });
        } catch {
          // the namespace is going away anyway
        }
      }
    },
  };
}
