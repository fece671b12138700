/**
 * The ONVIF device-service calls (docs/protocols.md §1.6) over http and https XAddrs with undici:
 * GetSystemDateAndTime without credentials (PRE_AUTH), then — only when the user supplied
 * credentials for the host — one GetDeviceInformation with a WS-UsernameToken whose Created
 * time is shifted by the device's clock offset, answering an HTTP Digest challenge instead
 * when the device asks for one. One credentialed attempt per device per run: a wrong
 * password is never retried (Hikvision and Dahua lock the IP out after a few failures).
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { DigestSession } from '../shared/digest.js';
import type { HostCredentials } from '../shared/types.js';
import {
  buildDeviceRequest,
  type DeviceInformation,
  parseDeviceInformation,
  parseFault,
  parseSystemDateAndTime,
  SOAP_CONTENT_TYPE,
  type SystemDateAndTime,
} from './codec.js';

/** A SOAP reply is a few KiB; anything far larger is not a device service. */
const MAX_SOAP_BYTES = 256 * 1024;

export type SoapOutcome =
  | {
      readonly ok: true;
      readonly status: number;
      readonly body: string;
      readonly authenticate: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** An undici dispatcher for device calls: self-signed device certificates are the norm. */
export function createSoapAgent(timeoutMs: number): Agent {
  return new Agent({
    connect: { timeout: timeoutMs, rejectUnauthorized: false },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    maxResponseSize: MAX_SOAP_BYTES,
    keepAliveTimeout: 1000,
    connections: 4,
  });
}

function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  // undici exposes header bytes as latin1; realms can be UTF-8 (§6.4).
  return (Array.isArray(value) ? value : [value]).map((v) => Buffer.from(v, 'latin1').toString('utf8'));
}

/** POSTs one SOAP envelope; transport failures come back as data. */
export async function postSoap(
  agent: Agent,
  url: URL,
  envelope: string,
  options: { readonly signal: AbortSignal; readonly authorization?: string; readonly action?: string },
): Promise<SoapOutcome> {
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      signal: options.signal,
      headers: {
        'content-type': options.action
          ? `${SOAP_CONTENT_TYPE}; action="${options.action}"`
          : SOAP_CONTENT_TYPE,
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
      body: envelope,
    });
    const body = await res.body.text();
    return {
      ok: true,
      status: res.statusCode,
      body,
      authenticate: headerList(res.headers['www-authenticate']),
    };
  } catch (err) {
    const e = err as { code?: string; message?: string; name?: string };
    return { ok: false, error: e.code ?? e.name ?? 'error' };
  }
}

const ACTION_BASE = 'http://www.onvif.org/ver10/device/wsdl';

export interface ClockReading {
  readonly outcome: SoapOutcome;
  readonly time: SystemDateAndTime | null;
  /** Device UTC minus our UTC, milliseconds; 0 when unknown. */
  readonly offsetMs: number;
}

/** GetSystemDateAndTime without any Security header (ONVIF access class PRE_AUTH). */
export async function readClock(agent: Agent, url: URL, signal: AbortSignal): Promise<ClockReading> {
  const sentAt = Date.now();
  const outcome = await postSoap(agent, url, buildDeviceRequest('GetSystemDateAndTime'), {
    signal,
    action: `${ACTION_BASE}/GetSystemDateAndTime`,
  });
  const time = outcome.ok && outcome.status === 200 ? parseSystemDateAndTime(outcome.body) : null;
  // The device read its clock somewhere between send and receive: compare with the midpoint.
  const midpoint = (sentAt + Date.now()) / 2;
  const offsetMs = time?.utc ? time.utc.getTime() - midpoint : 0;
  return { outcome, time, offsetMs };
}

export type InformationResult =
  | { readonly kind: 'ok'; readonly info: DeviceInformation; readonly via: 'ws-security' | 'http-digest' }
  | { readonly kind: 'refused'; readonly status: number; readonly fault: string | null }
  | { readonly kind: 'failed'; readonly error: string };

function refusal(outcome: SoapOutcome & { ok: true }): InformationResult {
  const fault = parseFault(outcome.body);
  return {
    kind: 'refused',
    status: outcome.status,
    fault: fault ? (fault.subcode ?? fault.code ?? fault.reason) : null,
  };
}

/**
 * GetDeviceInformation with the user's credentials: a WS-UsernameToken first; on a 401 that
 * carries a Digest challenge, the same call with HTTP Digest (plus one retry when the server
 * only says the nonce was stale). Nothing else is retried.
 */
export async function readDeviceInformation(
  agent: Agent,
  url: URL,
  credentials: HostCredentials,
  clockOffsetMs: number,
  signal: AbortSignal,
): Promise<InformationResult> {
  const action = `${ACTION_BASE}/GetDeviceInformation`;
  const token = {
    username: credentials.username,
    password: credentials.password,
    nonce: randomBytes(16),
    created: new Date(Date.now() + clockOffsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  let outcome = await postSoap(agent, url, buildDeviceRequest('GetDeviceInformation', token), {
    signal,
    action,
  });
  let via: 'ws-security' | 'http-digest' = 'ws-security';

  if (outcome.ok && outcome.status === 401) {
    const digest = new DigestSession(credentials.username, credentials.password);
    if (digest.accept(outcome.authenticate)) {
      via = 'http-digest';
      const envelope = buildDeviceRequest('GetDeviceInformation');
      const send = () =>
        postSoap(agent, url, envelope, {
          signal,
          action,
          authorization: digest.authorization({ method: 'POST', uri: url.pathname + url.search }) ?? '',
        });
      outcome = await send();
      if (outcome.ok && outcome.status === 401 && digest.retryAfterStale(outcome.authenticate))
        outcome = await send();
    }
  }
  if (!outcome.ok) return { kind: 'failed', error: outcome.error };
  const info = outcome.status === 200 ? parseDeviceInformation(outcome.body) : null;
  return info ? { kind: 'ok', info, via } : refusal(outcome);
}
