/**
 * RTSP/1.0 (RFC 2326) request building and a tolerant reply parser. RTSP looks like HTTP but
 * is not (undici cannot speak it), and camera servers are sloppy: bare LF line ends, double
 * spaces after the colon (Hikvision's `Date:  Thu, …`, docs/protocols.md §5.5), duplicate
 * headers. Pure; the socket lives in index.ts.
 */
import { decodeText } from '../tcp/codec.js';

/** Largest reply head we read; real ones are a few hundred bytes. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_HEADERS = 64;
const MAX_VALUE_CHARS = 1024;

export type RtspMethod = 'OPTIONS' | 'DESCRIBE';

/** Read-only requests only: SETUP/PLAY would start a stream and are never sent. */
export function buildRequest(method: RtspMethod, url: string, cseq: number): Buffer {
  const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${cseq}`, 'User-Agent: camsweep'];
  if (method === 'DESCRIBE') lines.push('Accept: application/sdp');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

export interface RtspReply {
  readonly status: number;
  readonly reason: string;
  /** Lower-case name and value, in the order sent; a repeated header appears once per line. */
  readonly headers: readonly (readonly [string, string])[];
}

/** Index just past the blank line ending the head (CRLFCRLF or LFLF), or -1 if not there yet. */
export function headEnd(buf: Uint8Array): number {
  for (let i = 0; i < buf.length - 1; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/**
 * Parses a reply head. Returns null when the bytes are not an RTSP status line (an HTTP
 * server on the port, a binary protocol, garbage). A head cut short is parsed as far as it
 * goes: the status line and whole header lines are still facts.
 */
export function parseReply(raw: Uint8Array): RtspReply | null {
  const end = headEnd(raw);
  const head = decodeText(raw.subarray(0, end === -1 ? Math.min(raw.length, MAX_HEAD_BYTES) : end));
  const lines = head.split(/\r?\n/);
  const m = /^RTSP\/\d\.\d[ \t]+(\d{3})(?:[ \t]+(.*))?$/i.exec(lines[0]?.trimEnd() ?? '');
  if (!m) return null;
  const headers: [string, string][] = [];
  // Without the terminating blank line the last line may be cut mid-value: drop it.
  const complete = end === -1 ? lines.slice(1, -1) : lines.slice(1);
  for (const line of complete) {
    if (line.length === 0) break;
    const last = headers[headers.length - 1];
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      last[1] = `${last[1]} ${line.trim()}`.slice(0, MAX_VALUE_CHARS); // obsolete line folding
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name)) continue;
    // One separator space is syntax; anything beyond it is the server's habit and kept.
    const value = line
      .slice(colon + 1)
      .replace(/^[ \t]/, '')
      .trimEnd()
      .slice(0, MAX_VALUE_CHARS);
    headers.push([name, value]);
    if (headers.length >= MAX_HEADERS) break;
  }
  return { status: Number(m[1]), reason: (m[2] ?? '').slice(0, 256), headers };
}

/** The realm of one WWW-Authenticate challenge (Digest or Basic), quoted or bare. */
export function challengeRealm(challenge: string): string | null {
  const m = /realm\s*=\s*(?:"([^"]*)"|([^\s,]+))/i.exec(challenge);
  const realm = m ? (m[1] ?? m[2] ?? '') : '';
  return realm.length > 0 ? realm : null;
}
