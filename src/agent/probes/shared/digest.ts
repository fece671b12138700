/**
 * HTTP Digest access authentication (RFC 7616) for device web servers and ONVIF SOAP
 * endpoints. Hikvision and Dahua use MD5 with qop="auth" (docs/protocols.md §1.6, §6.4); SHA-256,
 * the -sess variants, qop="auth-int" and RFC 2069 (no qop) are handled for other firmwares.
 *
 * Pure functions plus a small session that tracks the nonce count. Usage:
 *   1. request without credentials; on 401 read every `WWW-Authenticate` value;
 *   2. `pickDigestChallenge(values)`; `session.authorization({method, uri})` → header;
 *   3. if the retry is 401 again with `stale=true`, the password was right but the nonce
 *      expired: `retryAfterStale()` says so and one more request with the new challenge is
 *      allowed. Any other second 401 means the credentials are wrong: stop (lockouts, §1.6).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type AuthChallenge, parseAuthenticate } from '../../../knowledge/identify/derive/challenge.js';

export type { AuthChallenge };
export { parseAuthenticate };

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | null;
  readonly algorithm: DigestAlgorithm;
  /** `auth`, `auth-int`, or null for an RFC 2069 challenge without qop. */
  readonly qop: 'auth' | 'auth-int' | null;
  readonly stale: boolean;
  readonly userhash: boolean;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/**
 * The Digest challenge we can answer, preferring SHA-256 over MD5 when a server offers both
 * (RFC 7616 §3.7). Null when there is none (Basic only, unknown algorithm, no nonce).
 */
export function pickDigestChallenge(
  values: string | readonly string[] | undefined | null,
): DigestChallenge | null {
  const usable: DigestChallenge[] = [];
  for (const c of parseAuthenticate(values)) {
    if (c.scheme !== 'digest') continue;
    const p = c.params;
    const algorithm = ALGORITHMS[(p.algorithm ?? 'MD5').toLowerCase()];
    if (!algorithm || p.nonce === undefined) continue;
    let qop: DigestChallenge['qop'] = null;
    if (p.qop !== undefined) {
      const offered = p.qop.split(',').map((q) => q.trim().toLowerCase());
      if (offered.includes('auth')) qop = 'auth';
      else if (offered.includes('auth-int')) qop = 'auth-int';
      else continue; // only qop values we do not know
    }
    usable.push({
      realm: p.realm ?? '',
      nonce: p.nonce,
      opaque: p.opaque ?? null,
      algorithm,
      qop,
      stale: (p.stale ?? '').toLowerCase() === 'true',
      userhash: (p.userhash ?? '').toLowerCase() === 'true',
    });
  }
  return usable.find((c) => c.algorithm.startsWith('SHA-256')) ?? usable[0] ?? null;
}

function hashOf(algorithm: DigestAlgorithm, text: string | Uint8Array): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(text)
    .digest('hex');
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

export interface DigestInput {
  readonly challenge: DigestChallenge;
  readonly username: string;
  readonly password: string;
  readonly method: string;
  /** Request target as sent on the request line (`/onvif/device_service`). */
  readonly uri: string;
  /** Nonce count, starting at 1 for each new nonce. */
  readonly nc: number;
  /** Client nonce; random hex when omitted. */
  readonly cnonce?: string;
  /** Request body, needed only for qop=auth-int. */
  readonly body?: string | Uint8Array;
}

/** The `Authorization` header value for one request (RFC 7616 §3.4). */
export function digestAuthorization(input: DigestInput): string {
  const { challenge: c, method, uri } = input;
  const cnonce = input.cnonce ?? randomBytes(16).toString('hex');
  const nc = input.nc.toString(16).padStart(8, '0');
  const h = (text: string | Uint8Array) => hashOf(c.algorithm, text);
  let ha1 = h(`${input.username}:${c.realm}:${input.password}`);
  if (c.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = c.qop === 'auth-int' ? h(`${method}:${uri}:${h(input.body ?? '')}`) : h(`${method}:${uri}`);
  const response = c.qop
    ? h(`${ha1}:${c.nonce}:${nc}:${cnonce}:${c.qop}:${ha2}`)
    : h(`${ha1}:${c.nonce}:${ha2}`);
  const username = c.userhash ? h(`${input.username}:${c.realm}`) : input.username;
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${c.algorithm}`,
    `response=${quote(response)}`,
  ];
  if (c.opaque !== null) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.qop) parts.push(`qop=${c.qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (c.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/**
 * One host's Digest state: the current challenge and its nonce count, so consecutive
 * requests reuse the nonce with nc 2, 3, … as RFC 7616 §3.4 expects.
 */
export class DigestSession {
  private challenge: DigestChallenge | null = null;
  private nc = 0;
  private staleRetries = 0;

  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {}

  /** Takes a new challenge from a 401; returns false when it cannot be answered. */
  accept(values: string | readonly string[] | undefined | null): boolean {
    const c = pickDigestChallenge(values);
    if (!c) return false;
    if (this.challenge?.nonce !== c.nonce) this.nc = 0;
    this.challenge = c;
    return true;
  }

  /** True when a 401 after our answer only says the nonce went stale (one retry allowed). */
  retryAfterStale(values: string | readonly string[] | undefined | null): boolean {
    const c = pickDigestChallenge(values);
    if (!c?.stale || this.staleRetries >= 1) return false;
    this.staleRetries++;
    return this.accept(values);
  }

  get ready(): boolean {
    return this.challenge !== null;
  }

  authorization(request: { method: string; uri: string; body?: string | Uint8Array }): string | null {
    if (!this.challenge) return null;
    this.nc++;
    return digestAuthorization({
      challenge: this.challenge,
      username: this.username,
      password: this.password,
      method: request.method,
      uri: request.uri,
      nc: this.nc,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
  }
}
