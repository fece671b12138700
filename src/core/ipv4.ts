/** IPv4 arithmetic on unsigned 32-bit integers. */

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const b = Number(p);
    if (b > 255) return null;
    n = n * 256 + b;
  }
  return n >>> 0;
}

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export interface Ipv4Range {
  /** First and last address, inclusive, as unsigned integers. */
  readonly first: number;
  readonly last: number;
}

export function cidrRange(base: number, prefix: number): Ipv4Range {
  const mask = maskOf(prefix);
  const first = (base & mask) >>> 0;
  return { first, last: (first | (~mask >>> 0)) >>> 0 };
}

/** Prefix length from a dotted netmask, or null when the mask is not contiguous. */
export function prefixFromNetmask(mask: string): number | null {
  const n = parseIpv4(mask);
  if (n === null) return null;
  let prefix = 0;
  while (prefix < 32 && (n & (0x80000000 >>> prefix)) !== 0) prefix++;
  return maskOf(prefix) === n ? prefix : null;
}

const PRIVATE: readonly Ipv4Range[] = [
  cidrRange(parseIpv4('10.0.0.0')!, 8),
  cidrRange(parseIpv4('172.16.0.0')!, 12),
  cidrRange(parseIpv4('192.168.0.0')!, 16),
];

/** RFC 1918 private address space. */
export function isPrivate(n: number): boolean {
  return PRIVATE.some((r) => n >= r.first && n <= r.last);
}

export function isLoopback(n: number): boolean {
  return n >>> 24 === 127;
}

/** Addresses no scan should ever target: this-network, multicast, reserved, limited broadcast. */
export function isNeverTarget(n: number): boolean {
  const top = n >>> 24;
  return top === 0 || top >= 224;
}

/** Link-local 169.254/16: kept out of defaults (no DHCP lease) but allowed explicitly. */
export function isLinkLocal(n: number): boolean {
  return n >>> 16 === 0xa9fe;
}
