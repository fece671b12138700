/**
 * Turning the first bytes a TCP service sends unprompted into a banner observation. Pure: no
 * sockets here, so the hostile-input tests can feed it anything.
 */

/** Bytes kept from a banner; an SSH identification line is at most 255 (RFC 4253 §4.2). */
export const MAX_BANNER_BYTES = 512;

export type BannerService = 'telnet' | 'ftp' | 'ssh';

/** Ports whose service talks first, and the observation family their greeting goes to. */
export const BANNER_PORTS: ReadonlyMap<number, BannerService> = new Map([
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 when the bytes are valid UTF-8, otherwise Latin-1 (every byte maps to one character). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

// Telnet commands (RFC 854): IAC introduces a command; WILL/WONT/DO/DONT carry one option
// byte; SB … IAC SE brackets a sub-negotiation; IAC IAC is a literal 0xff data byte.
const IAC = 0xff;
const SE = 0xf0;
const SB = 0xfa;
const VERBS: Record<number, string> = { 251: 'WILL', 252: 'WONT', 253: 'DO', 254: 'DONT' };

/**
 * Renders telnet option negotiation as `[DO 24]` tokens and keeps the text between them. The
 * negotiation a device opens with is itself a fingerprint (embedded busybox telnetd sends a
 * different set from a DVR's own shell), so it is kept rather than dropped.
 */
export function telnetText(bytes: Uint8Array): string {
  const parts: string[] = [];
  const data: number[] = [];
  const flush = () => {
    if (data.length > 0) parts.push(decodeText(Uint8Array.from(data)));
    data.length = 0;
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b !== IAC) {
      data.push(b);
      i++;
      continue;
    }
    const cmd = bytes[i + 1];
    if (cmd === undefined) break; // truncated mid-command
    if (cmd === IAC) {
      data.push(IAC);
      i += 2;
    } else if (VERBS[cmd] !== undefined) {
      const option = bytes[i + 2];
      if (option === undefined) break;
      flush();
      parts.push(`[${VERBS[cmd]} ${option}]`);
      i += 3;
    } else if (cmd === SB) {
      flush();
      let end = i + 2;
      while (end < bytes.length - 1 && !(bytes[end] === IAC && bytes[end + 1] === SE)) end++;
      parts.push(`[SB ${bytes[i + 2] ?? '?'}]`);
      i = end + 2;
    } else {
      flush();
      parts.push(`[${cmd}]`);
      i += 2;
    }
  }
  flush();
  return parts.join('');
}

/**
 * The banner text for one service: telnet negotiation rendered readable, the SSH
 * identification line alone (RFC 4253 allows other lines before it), FTP's greeting as sent.
 * Trailing line breaks go; nothing else is altered — escaping is the output stage's job.
 * Returns null when nothing usable arrived.
 */
export function bannerText(service: BannerService, raw: Uint8Array): string | null {
  const bytes = raw.subarray(0, MAX_BANNER_BYTES);
  let text: string;
  if (service === 'telnet') text = telnetText(bytes);
  else text = decodeText(bytes);
  if (service === 'ssh') {
    const lines = text.split(/\r?\n/);
    text = lines.find((l) => l.startsWith('SSH-')) ?? lines[0] ?? '';
  }
  text = text.replace(/[\r\n\0]+$/, '');
  return text.length > 0 ? text : null;
}
