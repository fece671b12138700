/**
 * The scope guard. Turns what the user asked for into the exact set of addresses camsweep
 * may send to, and refuses anything it must not touch (docs/architecture.md §7).
 *
 * Default (no targets): the directly connected RFC 1918 subnets of interfaces that are up.
 * Public addresses need --allow-public. Loopback, multicast and reserved addresses are never
 * targets. An exclude list always wins. A host cap stops a typo (10.0.0.0/8) becoming a
 * sixteen-million-host sweep.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { CamsweepError } from './errors.js';
import {
  cidrRange,
  formatIpv4,
  type Ipv4Range,
  isLinkLocal,
  isLoopback,
  isNeverTarget,
  isPrivate,
  parseIpv4,
  prefixFromNetmask,
} from './ipv4.js';

export const DEFAULT_MAX_HOSTS = 65_536;

export interface LocalInterface {
  readonly name: string;
  readonly address: string;
  readonly prefix: number;
  /** The connected subnet, network and broadcast addresses included. */
  readonly subnet: Ipv4Range;
}

export interface ScopeOptions {
  readonly targets: readonly string[];
  readonly exclude?: readonly string[];
  readonly allowPublic?: boolean;
  readonly maxHosts?: number;
  /** Injected for tests; defaults to the machine's up IPv4 interfaces. */
  readonly interfaces?: readonly LocalInterface[];
}

export interface Scope {
  /** Every address to probe, ascending, excludes applied. */
  readonly hosts: readonly string[];
  /** The target expressions as given (or the connected subnets used by default). */
  readonly targets: readonly string[];
  /** Interfaces whose subnet holds at least one in-scope host: multicast goes out only here. */
  readonly interfaces: readonly LocalInterface[];
  /** Fast membership test for replies (a reply from outside scope is kept but flagged by probes). */
  has(ip: string): boolean;
}

/**
 * How a refused target is named in an error: quoted only when it is made of address
 * characters. Anything else may be a secret pasted into the wrong field (a password under
 * `targets`), so only its length is shown.
 */
export function shownTarget(text: string): string {
  return /^[0-9./-]{1,40}$/.test(text) ? `"${text}"` : `(${text.length} characters, not shown)`;
}

/** Parses one target: `10.0.0.5`, `10.0.0.0/24`, `10.0.0.1-10.0.0.20` or `10.0.0.1-20`. */
export function parseTarget(text: string): Ipv4Range {
  const t = text.trim();
  const bad = (why: string) => new CamsweepError('E_TARGET', `target ${shownTarget(t)}: ${why}`);
  if (t.includes('/')) {
    const [ip, len] = t.split('/');
    const base = parseIpv4(ip ?? '');
    if (base === null) throw bad('not an IPv4 address before the /');
    if (!/^\d{1,2}$/.test(len ?? '') || Number(len) > 32) throw bad('prefix length must be 0 to 32');
    return cidrRange(base, Number(len));
  }
  if (t.includes('-')) {
    const [a, b] = t.split('-');
    const first = parseIpv4(a ?? '');
    if (first === null) throw bad('not an IPv4 address before the -');
    let last = parseIpv4(b ?? '');
    if (last === null && /^\d{1,3}$/.test(b ?? '') && Number(b) <= 255)
      last = ((first & 0xffffff00) | Number(b)) >>> 0;
    if (last === null) throw bad('range end must be an address or a last octet');
    if (last < first) throw bad('range end is before its start');
    return { first, last };
  }
  const one = parseIpv4(t);
  if (one === null) throw bad('not an IPv4 address, CIDR or range');
  return { first: one, last: one };
}

function isUp(name: string): boolean {
  try {
    // IFF_UP is bit 0 of the interface flags; operstate is "unknown" for some virtual links.
    return (Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16) & 1) === 1;
  } catch {
    return true; // not Linux sysfs: trust os.networkInterfaces(), which lists configured links
  }
}

/** The machine's up, non-loopback IPv4 interfaces. */
export function localInterfaces(): LocalInterface[] {
  const out: LocalInterface[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (!addrs || !isUp(name)) continue;
    for (const a of addrs) {
      if (a.family !== 'IPv4' || a.internal) continue;
      const prefix = prefixFromNetmask(a.netmask);
      const n = parseIpv4(a.address);
      if (prefix === null || n === null) continue;
      out.push({ name, address: a.address, prefix, subnet: cidrRange(n, prefix) });
    }
  }
  return out;
}

function hostsOf(range: Ipv4Range, prefixHint: number | null): { first: number; last: number } {
  // For a subnet of /30 or wider, the network and broadcast addresses are not hosts.
  if (prefixHint !== null && prefixHint <= 30) return { first: range.first + 1, last: range.last - 1 };
  return range;
}

export function resolveScope(options: ScopeOptions): Scope {
  const maxHosts = options.maxHosts ?? DEFAULT_MAX_HOSTS;
  const ifaces = options.interfaces ?? localInterfaces();
  let targetTexts = options.targets.map((t) => t.trim()).filter(Boolean);
  const ranges: { first: number; last: number }[] = [];

  if (targetTexts.length === 0) {
    const privateIfaces = ifaces.filter((i) => isPrivate(parseIpv4(i.address)!));
    if (privateIfaces.length === 0) {
      const seen = ifaces.map((i) => `${i.name} ${i.address}/${i.prefix}`).join(', ') || 'none';
      throw new CamsweepError(
        'E_SCOPE_EMPTY',
        `nothing is in scope: no up interface has an RFC 1918 private address (interfaces seen: ${seen}); no packet was sent`,
      );
    }
    targetTexts = [];
    for (const i of privateIfaces) {
      const text = `${formatIpv4(i.subnet.first)}/${i.prefix}`;
      if (!targetTexts.includes(text)) {
        targetTexts.push(text);
        ranges.push(hostsOf(i.subnet, i.prefix));
      }
    }
  } else {
    for (const t of targetTexts) {
      const range = parseTarget(t);
      const prefix = t.includes('/') ? Number(t.split('/')[1]) : null;
      ranges.push(hostsOf(range, prefix));
    }
  }

  const excluded = (options.exclude ?? []).map(parseTarget);
  const ownAddresses = new Set(ifaces.map((i) => parseIpv4(i.address)!));
  const chosen = new Set<number>();
  const publicSeen: string[] = [];
  for (const r of ranges) {
    for (let n = r.first; n <= r.last; n++) {
      if (isNeverTarget(n) || isLoopback(n) || ownAddresses.has(n)) continue;
      if (excluded.some((x) => n >= x.first && n <= x.last)) continue;
      if (!isPrivate(n) && !isLinkLocal(n) && !options.allowPublic) {
        if (publicSeen.length < 3) publicSeen.push(formatIpv4(n));
        continue;
      }
      chosen.add(n);
      if (chosen.size > maxHosts) {
        throw new CamsweepError(
          'E_SCOPE_TOO_LARGE',
          `the targets hold more than ${maxHosts} hosts (the scan.maxHosts cap)`,
        );
      }
    }
  }
  if (publicSeen.length > 0) {
    // Refuse the whole scan rather than quietly scanning the private part: the user asked for
    // something we will not do, and must see that before any packet leaves.
    throw new CamsweepError(
      'E_SCOPE_PUBLIC',
      `the targets include public addresses (${publicSeen.join(', ')}…) and --allow-public was not given; no packet was sent`,
    );
  }
  if (chosen.size === 0) {
    throw new CamsweepError('E_SCOPE_EMPTY', 'nothing is in scope after excludes; no packet was sent');
  }

  const sorted = [...chosen].sort((a, b) => a - b);
  const hosts = sorted.map(formatIpv4);
  const hostSet = new Set(hosts);
  const inScopeIfaces = ifaces.filter((i) => sorted.some((n) => n >= i.subnet.first && n <= i.subnet.last));
  return Object.freeze({
    hosts: Object.freeze(hosts),
    targets: Object.freeze(targetTexts),
    interfaces: Object.freeze(inScopeIfaces),
    has: (ip: string) => hostSet.has(ip),
  });
}
