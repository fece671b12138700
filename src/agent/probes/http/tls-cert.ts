/**
 * Certificate fields for `tls.cert.*` from the live handshake. The RFC 4514 formatting is
 * shared with identify, which reads the same fields from saved or imported PEM text.
 */
import { createHash } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { type CertInfo, distinguishedName } from '../../../knowledge/identify/derive/certificate.js';

export type { CertInfo };
export { distinguishedName };

/** The fields of a peer certificate, or null when the server sent none. */
export function certInfo(cert: PeerCertificate | Record<string, never> | null | undefined): CertInfo | null {
  if (!cert || !('raw' in cert) || !Buffer.isBuffer(cert.raw) || cert.raw.length === 0) return null;
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    sha256: createHash('sha256').update(cert.raw).digest('hex'),
  };
}
