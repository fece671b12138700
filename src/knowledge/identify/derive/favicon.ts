/**
 * Favicon fingerprints. The main one is the form Shodan made common (`http.favicon.hash`): MurmurHash3
 * x86_32, seed 0, as a signed 32-bit integer, over the favicon's base64 text wrapped the way
 * Python's `base64.encodebytes` wraps it (a newline after every 76 characters and at the end).
 * Using the same recipe lets signature authors paste hashes they find in public search engines.
 *
 * MurmurHash3 is Austin Appleby's public-domain SMHasher algorithm (MurmurHash3_x86_32).
 * Some template sets hash the raw bytes instead, and older lists use MD5: identify derives all
 * three from a saved icon body so a signature can quote whichever its source published.
 */
import { createHash } from 'node:crypto';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function fmix32(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3_x86_32 of `data`; unsigned result, like the reference C code. */
export function murmur3x86_32(data: Uint8Array, seed = 0): number {
  const len = data.length;
  const blocks = len & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    // Blocks are read little-endian whatever the host (the reference reads native order on x86).
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, C1);
    k = rotl32(k, 15);
    k = Math.imul(k, C2);
    h ^= k;
    h = rotl32(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  const tail = len & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= data[blocks + 2]! << 16;
    if (tail >= 2) k ^= data[blocks + 1]! << 8;
    k ^= data[blocks]!;
    k = Math.imul(k, C1);
    k = rotl32(k, 15);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= len;
  return fmix32(h);
}

/** Base64 with a newline after every 76 characters and after the last line (RFC 2045 style). */
export function base64Lines(data: Uint8Array): string {
  const flat = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  let out = '';
  for (let i = 0; i < flat.length; i += 76) out += `${flat.slice(i, i + 76)}\n`;
  return out;
}

/** The Shodan-style favicon hash: signed MurmurHash3 of the wrapped base64 text. */
export function faviconHash(icon: Uint8Array): number {
  return murmur3x86_32(Buffer.from(base64Lines(icon), 'ascii')) | 0;
}

/** MurmurHash3 over the icon bytes themselves: the other convention public template sets use. */
export function faviconRawHash(icon: Uint8Array): number {
  return murmur3x86_32(icon) | 0;
}

/** MD5 of the icon bytes, lower-case hex (nmap's http-favicon and older fingerprint lists). */
export function faviconMd5(icon: Uint8Array): string {
  return createHash('md5').update(icon).digest('hex');
}

/** Largest icon worth hashing; real favicons are a few KiB, anything bigger is not an icon. */
export const MAX_FAVICON_BYTES = 192 * 1024;
/** Its base64 text, with room for line breaks. */
export const MAX_FAVICON_BASE64_CHARS = Math.ceil((MAX_FAVICON_BYTES * 4) / 3) + 8192;

/**
 * Icon bytes from base64 text as saved or imported (line breaks and spaces allowed), or null
 * when the text is not base64 or decodes to nothing or to more than MAX_FAVICON_BYTES.
 */
export function decodeFaviconBase64(text: string): Uint8Array | null {
  if (text.length > MAX_FAVICON_BASE64_CHARS) return null;
  const flat = text.replace(/\s+/g, '');
  if (flat.length === 0 || flat.length % 4 === 1 || !/^[A-Za-z0-9+/]+={0,2}$/.test(flat)) return null;
  const bytes = Buffer.from(flat, 'base64');
  return bytes.length === 0 || bytes.length > MAX_FAVICON_BYTES ? null : bytes;
}
