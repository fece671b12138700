/**
 * Credentialed device-information reads, only for hosts the user gave credentials for
 * (credentials file, docs/architecture.md §7, politeness): Hikvision ISAPI `deviceInfo` and Dahua
 * `magicBox.cgi` info actions (docs/protocols.md §5.2, §5.3). One login attempt per device per
 * run: the first answered challenge is the attempt; any refusal after it ends the host's
 * credentialed work, a lockout signal too, and no other password is ever tried.
 *
 * Digest comes from the shared RFC 7616 helper. Basic is used only over TLS, because Basic
 * sends the password itself and must never cross the LAN in clear text.
 */

import { DigestSession, parseAuthenticate } from '../shared/digest.js';
import type { HostCredentials } from '../shared/types.js';
import { bodyText, DAHUA_LOCK_CODES } from './codec.js';
import type { Hint } from './requests.js';
import { type HttpOutcome, type HttpRequest, type HttpResponse, headerValues } from './wire.js';

/** What each vendor's credentialed read asks for, in order. All are read-only GETs. */
export const CREDENTIALED_PATHS: Readonly<Record<Hint, readonly string[]>> = {
  hikvision: ['/ISAPI/System/deviceInfo'],
  dahua: [
    '/cgi-bin/magicBox.cgi?action=getSystemInfo',
    '/cgi-bin/magicBox.cgi?action=getSoftwareVersion',
    '/cgi-bin/magicBox.cgi?action=getDeviceType',
  ],
};

/**
 * True when a response says the account or client is locked out: Hikvision's
 * `<lockStatus>lock</lockStatus>` / `<unlockTime>` (§5.2), Dahua lock error codes, HTTP 423,
 * or a Retry-After on a refusal.
 */
export function lockoutSignal(response: HttpResponse): boolean {
  if (response.status === 423) return true;
  const text = bodyText(response.body.subarray(0, 16384));
  if (/<lockStatus>\s*lock\s*<\/lockStatus>/i.test(text) || /<unlockTime>\s*[1-9]/i.test(text)) return true;
  if (DAHUA_LOCK_CODES.some((code) => text.includes(String(code)))) return true;
  if (/\b(?:user|account)\s+(?:has\s+been\s+)?locked\b/i.test(text)) return true;
  return response.status >= 400 && response.headers.some(([name]) => name === 'retry-after');
}

export type CredentialedEnd = 'done' | 'rejected' | 'locked' | 'unsupported' | 'failed';

export interface CredentialedResult {
  /** Authenticated answers, in request order (200s and other non-401 statuses). */
  readonly answers: ReadonlyArray<{ readonly path: string; readonly response: HttpResponse }>;
  readonly end: CredentialedEnd;
}

export interface CredentialedPlan {
  readonly paths: readonly string[];
  /** WWW-Authenticate values of the unauthenticated 401 for the first path. */
  readonly challenge: readonly string[];
  readonly tls: boolean;
  readonly credentials: HostCredentials;
  readonly send: (request: HttpRequest) => Promise<HttpOutcome>;
}

/** Runs the reads of one plan with one set of credentials; never retries a refused login. */
export async function credentialedRead(plan: CredentialedPlan): Promise<CredentialedResult> {
  const authorize = authorizer(plan);
  if (!authorize) return { answers: [], end: 'unsupported' };
  const answers: Array<{ path: string; response: HttpResponse }> = [];
  for (const path of plan.paths) {
    let outcome = await plan.send({
      method: 'GET',
      path,
      headers: { authorization: authorize.header(path) },
    });
    if (outcome.ok && outcome.response.status === 401 && authorize.stale(outcome.response)) {
      // The password was accepted but the nonce expired: RFC 7616 allows one retry.
      outcome = await plan.send({ method: 'GET', path, headers: { authorization: authorize.header(path) } });
    }
    if (!outcome.ok) return { answers, end: 'failed' };
    const response = outcome.response;
    if (lockoutSignal(response)) return { answers, end: 'locked' };
    if (response.status === 401 || response.status === 403) return { answers, end: 'rejected' };
    answers.push({ path, response });
  }
  return { answers, end: 'done' };
}

interface Authorizer {
  header(path: string): string;
  stale(response: HttpResponse): boolean;
}

function authorizer(plan: CredentialedPlan): Authorizer | null {
  const { username, password } = plan.credentials;
  const session = new DigestSession(username, password);
  if (session.accept(plan.challenge)) {
    return {
      header: (path) => session.authorization({ method: 'GET', uri: path }) ?? '',
      stale: (response) => session.retryAfterStale(headerValues(response, 'www-authenticate')),
    };
  }
  const basic = parseAuthenticate(plan.challenge).some((c) => c.scheme === 'basic');
  if (basic && plan.tls) {
    const token = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    return { header: () => `Basic ${token}`, stale: () => false };
  }
  return null;
}
