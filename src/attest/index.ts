/**
 * The attestation wing: reports in, a dated and hashed HTML or PDF out. Entry points feed it
 * reports (from a JSON file or rebuilt from the collector's database); it never touches the
 * network or a device.
 */
import { canonicalJson, sha256Hex } from './canonical.js';
import { renderHtml } from './html.js';
import type { AttestationData } from './model.js';
import { htmlToPdf } from './pdf.js';

export { buildAttestation, deviceKey, type SiteInput } from './build.js';
export { readEmbedded } from './embedded.js';
export type { AttestationData, Remediation } from './model.js';
export { generateKeys, signFile, verifyFile } from './sign.js';

export function attestationHash(data: AttestationData): string {
  return sha256Hex(canonicalJson(data));
}

export interface Rendered {
  readonly hash: string;
  readonly html: string;
}

export function renderAttestation(data: AttestationData, generatedAt = new Date()): Rendered {
  const hash = attestationHash(data);
  return { hash, html: renderHtml(data, hash, generatedAt) };
}

export async function renderAttestationPdf(
  data: AttestationData,
  generatedAt = new Date(),
): Promise<Rendered & { pdf: Buffer }> {
  const rendered = renderAttestation(data, generatedAt);
  return { ...rendered, pdf: await htmlToPdf(rendered.html, rendered.hash) };
}
