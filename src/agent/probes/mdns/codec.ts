/**
 * DNS-SD service records (RFC 6763) → observations. Pure: bonjour-service does the packet
 * decoding; this file decides what of a discovered service becomes a fact, with caps, since
 * every byte of it is chosen by whoever answers on the link.
 */
import { cap } from '../../../core/text.js';
import { decodeText } from '../tcp/codec.js';

/**
 * Service types asked for. `_CGI._tcp` is what Hikvision IP cameras announce, with the full
 * serial as SRV target (docs/protocols.md §5.6); `_psia._tcp` older Hikvision firmware; the
 * generic web, RTSP, HomeKit and workstation types catch relabels, NVR web UIs and the
 * machines around them (a workstation record names a PC, which is worth knowing as such).
 */
export const DEFAULT_SERVICE_TYPES: readonly string[] = [
  '_CGI._tcp',
  '_psia._tcp',
  '_http._tcp',
  '_https._tcp',
  '_rtsp._tcp',
  '_hap._tcp',
  '_workstation._tcp',
  '_onvif._tcp',
];

/** `_CGI._tcp` → `{ type: 'CGI', protocol: 'tcp' }` as bonjour-service wants it; null if malformed. */
export function splitServiceType(text: string): { type: string; protocol: 'tcp' | 'udp' } | null {
  const m = /^_([A-Za-z0-9-]{1,63})\._(tcp|udp)$/.exec(text.trim());
  return m ? { type: m[1]!, protocol: m[2] as 'tcp' | 'udp' } : null;
}

const MAX_TXT_ENTRIES = 32;
const MAX_TXT_VALUE = 512;

/**
 * TXT strings → key/value pairs. Keys are case-insensitive (RFC 6763 §6.4) so lower-cased,
 * and restricted to printable ASCII without `=` (§6.4) — a key becomes part of an
 * observation key, so anything else is dropped. A string without `=` is a boolean attribute
 * (value `true`). The first occurrence of a key wins (§6.4).
 */
export function decodeTxt(raw: unknown): [string, string][] {
  const strings: Uint8Array[] = Array.isArray(raw)
    ? raw.filter((s): s is Uint8Array => s instanceof Uint8Array)
    : raw instanceof Uint8Array
      ? [raw]
      : [];
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const s of strings.slice(0, 256)) {
    if (out.length >= MAX_TXT_ENTRIES) break;
    const eq = s.indexOf(0x3d);
    const keyBytes = s.subarray(0, eq === -1 ? s.length : eq);
    const key = Buffer.from(keyBytes).toString('latin1').toLowerCase();
    if (!/^[\x21-\x3c\x3e-\x7e]{1,64}$/.test(key) || seen.has(key)) continue;
    seen.add(key);
    const value = eq === -1 ? 'true' : cap(decodeText(s.subarray(eq + 1)), MAX_TXT_VALUE);
    out.push([key, value]);
  }
  return out;
}

/** A DNS name as observation text: trailing dot removed, capped at the DNS maximum of 255. */
export function dnsName(name: unknown): string | null {
  if (typeof name !== 'string') return null;
  const n = name.replace(/\.$/, '');
  return n.length > 0 ? cap(n, 255) : null;
}
