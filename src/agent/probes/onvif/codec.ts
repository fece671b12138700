/**
 * WS-Discovery 2005/04 and the two ONVIF device-service calls we make, as pure functions:
 * build the request bytes, parse the reply text. No I/O here (docs/protocols.md §1).
 */
import { createHash } from 'node:crypto';
import { child, childText, escapeXml, findAll, findFirst, parseXml, type XmlElement } from '../shared/xml.js';

export const WSD_PORT = 3702;
export const WSD_GROUP = '239.255.255.250';

const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

/** The probe types we send, one datagram each (some firmwares match only one QName, §1.2). */
export const PROBE_TYPES = ['dn:NetworkVideoTransmitter', 'tds:Device'] as const;

/** A WS-Discovery Probe (§1.2): 2005/04 namespaces, MessageID echoed back as RelatesTo. */
export function buildProbe(messageId: string, types: string | null): string {
  const typesXml = types ? `<d:Types>${escapeXml(types)}</d:Types>` : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}" xmlns:a="${NS.wsa}" xmlns:d="${NS.wsd}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
    '<s:Header>' +
    `<a:Action s:mustUnderstand="1">${NS.wsd}/Probe</a:Action>` +
    `<a:MessageID>${escapeXml(messageId)}</a:MessageID>` +
    `<a:ReplyTo><a:Address>${NS.wsa}/role/anonymous</a:Address></a:ReplyTo>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    '</s:Header>' +
    `<s:Body><d:Probe>${typesXml}</d:Probe></s:Body>` +
    '</s:Envelope>'
  );
}

export interface Scope {
  /** The URI as sent. */
  readonly raw: string;
  /** Lower-case category (`name`, `hardware`, `mac`, `location`, `type`, `profile`), `other` for non-ONVIF URIs. */
  readonly category: string;
  /** Percent-decoded remainder (`HIKVISION DS-2CD3955FWD-IWS`, `city/hangzhou`). */
  readonly value: string;
}

export interface DiscoveryMatch {
  /** EndpointReference Address as sent. */
  readonly endpoint: string;
  /** Normalised: `urn:` / `uuid:` stripped, lower case (§1.3). */
  readonly endpointId: string;
  readonly types: readonly string[];
  readonly scopes: readonly Scope[];
  readonly xaddrs: readonly string[];
  readonly metadataVersion: number | null;
}

export type DiscoveryKind = 'probe' | 'probe-matches' | 'hello' | 'bye' | 'resolve-matches' | 'other';

export interface DiscoveryMessage {
  readonly kind: DiscoveryKind;
  readonly action: string | null;
  readonly messageId: string | null;
  readonly relatesTo: string | null;
  readonly matches: readonly DiscoveryMatch[];
}

/** Caps on what one datagram may contribute, so a hostile reply cannot flood the report. */
const MAX_MATCHES = 64;
const MAX_LIST_ITEMS = 64;

/** Tolerant percent-decoding: bad escapes stay as sent instead of throwing. */
export function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

function words(text: string | null): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean).slice(0, MAX_LIST_ITEMS);
}

/** Parses one scope URI; `onvif://www.onvif.org/<category>/<value…>` (§1.3, §1.4). */
export function parseScope(raw: string): Scope {
  const m = /^onvif:\/\/www\.onvif\.org\/([A-Za-z0-9_-]{1,32})(?:\/(.*))?$/i.exec(raw);
  if (!m) return { raw, category: 'other', value: percentDecode(raw) };
  return { raw, category: m[1]!.toLowerCase(), value: percentDecode(m[2] ?? '') };
}

/** Strips `urn:` / `uuid:` and lower-cases an EndpointReference address (§1.3). */
export function normaliseEndpoint(address: string): string {
  return address
    .trim()
    .replace(/^urn:/i, '')
    .replace(/^uuid:/i, '')
    .toLowerCase();
}

function readMatch(el: XmlElement): DiscoveryMatch | null {
  const endpoint = childText(el, 'EndpointReference', 'Address') ?? '';
  if (!endpoint) return null;
  const version = childText(el, 'MetadataVersion');
  return {
    endpoint,
    endpointId: normaliseEndpoint(endpoint),
    types: words(childText(el, 'Types')),
    scopes: words(childText(el, 'Scopes')).map(parseScope),
    xaddrs: words(childText(el, 'XAddrs')),
    metadataVersion: version !== null && /^\d{1,10}$/.test(version) ? Number(version) : null,
  };
}

function kindOf(action: string | null, body: XmlElement | null): DiscoveryKind {
  const verb = action?.split('/').pop() ?? body?.children[0]?.name ?? '';
  switch (verb) {
    case 'Probe':
      return 'probe';
    case 'ProbeMatches':
      return 'probe-matches';
    case 'Hello':
      return 'hello';
    case 'Bye':
      return 'bye';
    case 'ResolveMatches':
      return 'resolve-matches';
    default:
      return 'other';
  }
}

/**
 * Parses any WS-Discovery datagram: header fields plus every ProbeMatch / ResolveMatch /
 * Hello / Bye entry in the body. Namespace-agnostic (matched by local name) and accepts the
 * 2009 OASIS namespaces and SOAP 1.1 envelopes alike. Never throws.
 */
export function parseDiscovery(input: string | Uint8Array): DiscoveryMessage {
  const doc = parseXml(input);
  const envelope = child(doc, 'Envelope');
  const header = child(envelope, 'Header');
  const body = child(envelope, 'Body');
  const action = childText(header, 'Action');
  const kind = kindOf(action, body);
  const entries: XmlElement[] = [];
  if (body) {
    for (const name of ['ProbeMatch', 'ResolveMatch', 'Hello', 'Bye']) entries.push(...findAll(body, name));
  }
  const matches: DiscoveryMatch[] = [];
  for (const el of entries.slice(0, MAX_MATCHES)) {
    const m = readMatch(el);
    if (m) matches.push(m);
  }
  return {
    kind,
    action,
    messageId: childText(header, 'MessageID'),
    relatesTo: childText(header, 'RelatesTo'),
    matches,
  };
}

export interface HelloBye {
  readonly kind: 'hello' | 'bye';
  readonly messageId: string | null;
  readonly match: DiscoveryMatch;
}

/**
 * Hello and Bye announcements (§1.5), for the daemon's passive listener: one entry per
 * announced endpoint; null for anything that is not a Hello or Bye.
 */
export function parseHelloBye(input: string | Uint8Array): HelloBye[] | null {
  const msg = parseDiscovery(input);
  if (msg.kind !== 'hello' && msg.kind !== 'bye') return null;
  return msg.matches.map((match) => ({ kind: msg.kind as 'hello' | 'bye', messageId: msg.messageId, match }));
}

/** True when a match advertises an ONVIF device (filters printers and PCs, §1.5). */
export function isOnvifMatch(m: DiscoveryMatch): boolean {
  return (
    m.types.some(
      (t) =>
        /(?:^|:)(NetworkVideoTransmitter|Device|NetworkVideoDisplay|NVR\w*)$/.test(t) && !/wsdp:/i.test(t),
    ) || m.scopes.some((s) => s.category !== 'other')
  );
}

// ── Device service (§1.6) ────────────────────────────────────────────────────────────────

export interface UsernameToken {
  readonly username: string;
  readonly password: string;
  /** 16 random bytes. */
  readonly nonce: Uint8Array;
  /** ISO-8601 UTC in the device's clock. */
  readonly created: string;
}

/** PasswordDigest = base64(SHA1(nonce ‖ created ‖ password)), OASIS WSS UsernameToken 1.0. */
export function passwordDigest(token: UsernameToken): string {
  return createHash('sha1')
    .update(token.nonce)
    .update(Buffer.from(token.created, 'utf8'))
    .update(Buffer.from(token.password, 'utf8'))
    .digest('base64');
}

function securityHeader(token: UsernameToken): string {
  const tokenNs = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
  const encNs = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0';
  return (
    `<Security s:mustUnderstand="1" xmlns="${NS.wsse}"><UsernameToken>` +
    `<Username>${escapeXml(token.username)}</Username>` +
    `<Password Type="${tokenNs}#PasswordDigest">${passwordDigest(token)}</Password>` +
    `<Nonce EncodingType="${encNs}#Base64Binary">${Buffer.from(token.nonce).toString('base64')}</Nonce>` +
    `<Created xmlns="${NS.wsu}">${escapeXml(token.created)}</Created>` +
    '</UsernameToken></Security>'
  );
}

/** A SOAP 1.2 request for a body-less device-service operation, with an optional UsernameToken. */
export function buildDeviceRequest(
  operation: 'GetSystemDateAndTime' | 'GetDeviceInformation',
  token?: UsernameToken,
): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}" xmlns:tds="${NS.tds}">` +
    `<s:Header>${token ? securityHeader(token) : ''}</s:Header>` +
    `<s:Body><tds:${operation}/></s:Body></s:Envelope>`
  );
}

export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

export interface SoapFault {
  readonly code: string | null;
  readonly subcode: string | null;
  readonly reason: string | null;
}

function soapBody(input: string | Uint8Array): XmlElement | null {
  return child(child(parseXml(input), 'Envelope'), 'Body');
}

/** The Fault of a SOAP 1.2 (or 1.1) reply, or null when there is none. */
export function parseFault(input: string | Uint8Array): SoapFault | null {
  const fault = child(soapBody(input), 'Fault');
  if (!fault) return null;
  const code = child(fault, 'Code');
  const subcode = child(code, 'Subcode');
  const reason = child(fault, 'Reason');
  return {
    code: childText(code, 'Value') ?? childText(fault, 'faultcode'),
    subcode: childText(subcode, 'Value'),
    reason: (reason ? childText(reason, 'Text') : null) ?? childText(fault, 'faultstring'),
  };
}

function int(text: string | null, min: number, max: number): number | null {
  if (text === null || !/^\d{1,4}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

export interface SystemDateAndTime {
  /** The device's UTC clock, or null when the reply had no usable UTCDateTime. */
  readonly utc: Date | null;
  readonly tz: string | null;
}

/** GetSystemDateAndTimeResponse → the device's UTC time and TZ string (§1.6). */
export function parseSystemDateAndTime(input: string | Uint8Array): SystemDateAndTime | null {
  const sdt = findFirst(soapBody(input) ?? parseXml(''), 'SystemDateAndTime');
  if (!sdt) return null;
  const utc = child(sdt, 'UTCDateTime');
  const year = int(childText(utc, 'Date', 'Year'), 1970, 9999);
  const month = int(childText(utc, 'Date', 'Month'), 1, 12);
  const day = int(childText(utc, 'Date', 'Day'), 1, 31);
  const hour = int(childText(utc, 'Time', 'Hour'), 0, 23);
  const minute = int(childText(utc, 'Time', 'Minute'), 0, 59);
  const second = int(childText(utc, 'Time', 'Second'), 0, 60);
  const parts = [year, month, day, hour, minute, second];
  // Date.UTC takes all fields at once, so day 31 in a 30-day month cannot roll over half-way
  // (node-onvif's setUTCMonth-then-setUTCDate bug, §6.1).
  const date = parts.every((p) => p !== null)
    ? new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!))
    : null;
  return {
    utc: date && !Number.isNaN(date.getTime()) ? date : null,
    tz: childText(sdt, 'TimeZone', 'TZ') || null,
  };
}

export interface DeviceInformation {
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly serial: string | null;
  readonly hardwareId: string | null;
}

/** GetDeviceInformationResponse fields by local name, whatever the prefix (§1.6). */
export function parseDeviceInformation(input: string | Uint8Array): DeviceInformation | null {
  const r = findFirst(soapBody(input) ?? parseXml(''), 'GetDeviceInformationResponse');
  if (!r) return null;
  const get = (name: string) => childText(r, name) || null;
  return {
    manufacturer: get('Manufacturer'),
    model: get('Model'),
    firmware: get('FirmwareVersion'),
    serial: get('SerialNumber'),
    hardwareId: get('HardwareId'),
  };
}
