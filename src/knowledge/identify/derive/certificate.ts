/**
 * Certificate fields for `tls.cert.*`. Subjects are written RFC 4514 style (most specific
 * attribute first, `CN=…,OU=…,C=…`) because that is how public fingerprint lists quote them,
 * e.g. Recog's Hikvision DVR/NVR default `CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,…`.
 * The http probe reads them off the live handshake; identify reads them from a PEM that a
 * saved observation or another scanner's output (nmap's ssl-cert) carries.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { cap } from '../../../core/text.js';

export interface CertInfo {
  readonly subject: string;
  readonly issuer: string;
  /** SHA-256 of the DER certificate, lower-case hex. */
  readonly sha256: string;
}

export type NameObject = Readonly<Record<string, string | readonly string[] | undefined>>;

/** RFC 4514 §2.4 escaping of one attribute value. */
function escapeValue(value: string): string {
  let v = value.replace(/[\\,+"<>;\u0000]/g, (c) => (c === '\u0000' ? '\\00' : `\\${c}`));
  if (v.startsWith('#') || v.startsWith(' ')) v = `\\${v}`;
  if (v.endsWith(' ') && v.length > 1) v = `${v.slice(0, -1)}\\ `;
  return v;
}

/**
 * Node's name objects keep DER order (C first for most certs); RFC 4514 reverses it. Repeated
 * attributes arrive as arrays and are kept in their given order.
 */
export function distinguishedName(name: NameObject | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  for (const [type, value] of Object.entries(name)) {
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : value;
    for (const v of values) parts.push(`${type}=${escapeValue(String(v))}`);
  }
  return cap(parts.reverse().join(','));
}

/** Longest PEM text read: a leaf certificate is 1–3 KiB; a chain of a few stays well below. */
export const MAX_PEM_CHARS = 64 * 1024;

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/**
 * The fields of the first certificate in PEM text (a leaf comes first in a chain), or null when
 * there is none or it does not parse. Never throws: the text comes from the device or a file.
 */
export function certFromPem(pem: string): CertInfo | null {
  if (pem.length > MAX_PEM_CHARS) return null;
  const begin = pem.indexOf(BEGIN);
  const end = begin < 0 ? -1 : pem.indexOf(END, begin);
  if (end < 0) return null;
  const body = pem.slice(begin + BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null;
  const der = Buffer.from(body, 'base64');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return null;
  }
  const legacy = cert.toLegacyObject();
  return {
    subject: distinguishedName(legacy.subject as NameObject | undefined),
    issuer: distinguishedName(legacy.issuer as NameObject | undefined),
    sha256: createHash('sha256').update(der).digest('hex'),
  };
}
