/**
 * Pure parsing of HTTP responses for fingerprints: header values, WWW-Authenticate
 * challenges, the HTML title, body text. Everything here reads attacker-controlled bytes, so
 * every function is bounded (input is already capped by the client; regexes are linear) and
 * returns data, never throws.
 */

import { normaliseMac } from '../../../core/mac.js';
import { realmsOf } from '../../../knowledge/identify/derive/challenge.js';
import {
  decodeEntities,
  htmlTitle,
  looksLikeHtml,
  startTags,
} from '../../../knowledge/identify/derive/html.js';

export { decodeEntities, htmlTitle, looksLikeHtml, realmsOf, startTags };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * HTTP stacks hand header values over as latin1 (one char per byte). Devices send UTF-8 realms
 * and titles (docs/protocols.md §6.4), so re-decode when the bytes are valid UTF-8 and keep the
 * latin1 reading otherwise.
 */
export function redecodeLatin1(value: string): string {
  // Chars above 0xff mean the value was never a byte string; pure ASCII needs nothing.
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** Body bytes as text: UTF-8 when valid, else latin1 (legacy GB2312/Big5 pages stay readable as bytes). */
export function bodyText(body: Uint8Array): string {
  try {
    return UTF8.decode(body);
  } catch {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  }
}

/** RFC 9110 token characters; a header name outside them is not turned into an observation key. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]{1,64}$/;

/** The observation-key suffix for a header name, or null when the name is unusable as a key. */
export function headerKeyName(name: string): string | null {
  const lower = name.toLowerCase();
  return TOKEN.test(lower) ? lower : null;
}

/**
 * Same-origin redirect target of a response (Location header, `<meta http-equiv=refresh>`, or
 * the one-line `location.href=` script older Hikvision firmware serves at `/`, §5.2), as a
 * path, or null. Off-origin targets are never followed: the scan stays on the host it was given.
 */
export function sameOriginRedirect(location: string | undefined, html: string): string | null {
  const candidates: string[] = [];
  if (location !== undefined) candidates.push(location);
  const head = html.slice(0, 16384);
  for (const { tag } of startTags(head, 'meta')) {
    if (!/http-equiv\s*=\s*["']?refresh/i.test(tag)) continue;
    const url = /content\s*=\s*["']?\s*\d*\s*;?\s*url\s*=\s*([^"'>\s]+)/i.exec(tag);
    if (url) candidates.push(url[1]!);
    break;
  }
  const script = /(?:window\.|document\.)?location(?:\.href)?\s*=\s*["']([^"']{1,256})["']/i.exec(head);
  // Scripts append cache-busters (`"/doc/page/login.asp?_" + Date.now()`): keep the path only.
  if (script) candidates.push(script[1]!.split('?')[0]!);
  for (const c of candidates) {
    const path = sameOriginPath(c.trim());
    if (path !== null) return path;
  }
  return null;
}

/** An absolute or relative-to-root path, or null for anything that could leave the origin. */
function sameOriginPath(ref: string): string | null {
  if (/^\/(?!\/)[\x21-\x7e]{0,255}$/.test(ref)) return ref;
  if (/^[a-z0-9._-][\x21-\x7e]{0,255}$/i.test(ref) && !/^[a-z][a-z0-9+.-]*:/i.test(ref)) return `/${ref}`;
  return null;
}

/** `<link rel="icon" href="…">` target as a same-origin path, or null. */
export function iconLink(html: string): string | null {
  for (const { tag } of startTags(html.slice(0, 65536), 'link')) {
    if (!/\brel\s*=\s*["']?[^"'>]*\bicon\b/i.test(tag)) continue;
    const href = /\bhref\s*=\s*["']?([^"'>\s]+)/i.exec(tag);
    if (!href) continue;
    return sameOriginPath(href[1]!);
  }
  return null;
}

/** Quirks the strict parser reports, by llhttp error code or by the words of its message. */
const QUIRKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/HPE_(?:LF|CR)_EXPECTED|HPE_STRICT|expected (?:CR|LF)|Expected CRLF/i, 'bare-lf'],
  [
    /HPE_UNEXPECTED_CONTENT_LENGTH|Content-Length can't be present|content-length.*transfer-encoding/i,
    'content-length-with-transfer-encoding',
  ],
  [/CONTENT_LENGTH_MISMATCH|length does not match content-length/i, 'content-length-mismatch'],
  [
    /HPE_INVALID_HEADER_TOKEN|Invalid header (?:value )?(?:char|token)|Invalid character in header/i,
    'invalid-header-character',
  ],
  [/HPE_INVALID_CONTENT_LENGTH|Invalid character in Content-Length/i, 'invalid-content-length'],
  [/HPE_INVALID_TRANSFER_ENCODING|Invalid Transfer-Encoding/i, 'invalid-transfer-encoding'],
  [/HPE_INVALID_STATUS|Invalid status|Invalid response status/i, 'invalid-status-line'],
];

/**
 * Names the HTTP quirk behind a strict-parser error, for the `http.lenient` value. undici 7
 * leaves `code` unset on its HTTPParserError and reports CL+TE bodies as a length mismatch, so
 * the message is read too (docs/protocols.md §6.4 lists the quirks).
 */
export function quirkName(code: string | undefined, message = ''): string {
  const text = `${code ?? ''} ${message}`;
  for (const [pattern, name] of QUIRKS) if (pattern.test(text)) return name;
  return 'parser-error';
}

/** A lenient read that shows both framing headers names that quirk, whatever the strict error said. */
export function refineQuirk(quirk: string, headerNames: readonly string[]): string {
  return headerNames.includes('content-length') && headerNames.includes('transfer-encoding')
    ? 'content-length-with-transfer-encoding'
    : quirk;
}

/**
 * Dahua RPC error codes that mean the account is locked or blocked (as handled by public Dahua
 * clients: 268632081 HasBeenLocked, 268632073 InBlackList, 268632082 blocked).
 */
export const DAHUA_LOCK_CODES: readonly number[] = [268632081, 268632073, 268632082];

export interface DahuaLoginChallenge {
  /** `Login to <serial>` on most firmware (§5.3). */
  readonly realm: string | null;
  /** Normalised `aa:bb:cc:dd:ee:ff`, or null. */
  readonly mac: string | null;
  /** The device refused even the challenge because the account is locked or blocked. */
  readonly locked: boolean;
}

/** Reads Dahua's first-stage `global.login` answer; null when the body is not that JSON. */
export function dahuaLoginChallenge(text: string): DahuaLoginChallenge | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text.slice(0, 65536));
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const { params, error } = doc as { params?: unknown; error?: unknown };
  const p = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
  const code =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>).code : undefined;
  if (p.realm === undefined && code === undefined) return null;
  return {
    realm: typeof p.realm === 'string' ? p.realm : null,
    mac: typeof p.mac === 'string' ? normaliseMac(p.mac) : null,
    locked: typeof code === 'number' && DAHUA_LOCK_CODES.includes(code),
  };
}
