/**
 * Certificate fields for `tls.cert.*`. Subjects are written RFC 4514 style (most specific
 * attribute first, `CN=…,OU=…,C=…`) because that is how public fingerprint lists quote them,
 * e.g. Recog's Hikvision DVR/NVR default `CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,…` (§5.4).
 */
import { createHash } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { cap } from '../../../core/text.js';

export interface CertInfo {
  readonly subject: string;
  readonly issuer: string;
  /** SHA-256 of the DER certificate, lower-case hex. */
  readonly sha256: string;
}

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
export function distinguishedName(name: object | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  // node's Certificate type lists a few attributes; a real subject may carry any, as strings
  // or arrays of strings, so each value is checked rather than trusted to the type.
  for (const [type, value] of Object.entries(name)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of values) if (v !== undefined) parts.push(`${type}=${escapeValue(String(v))}`);
  }
  return cap(parts.reverse().join(','));
}

/** The fields of a peer certificate, or null when the server sent none. */
export function certInfo(cert: PeerCertificate | Record<string, never> | null | undefined): CertInfo | null {
  if (!cert || !('raw' in cert) || !Buffer.isBuffer(cert.raw) || cert.raw.length === 0) return null;
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    sha256: createHash('sha256').update(cert.raw).digest('hex'),
  };
}
