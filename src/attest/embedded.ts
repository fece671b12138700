/**
 * Reads back the data an attestation HTML file embeds and checks it against the hash the file
 * prints: the basis of `report verify` for unsigned files and of `--previous` comparisons.
 */
import { CamsweepError } from '../core/errors.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { EMBED_ID } from './html.js';
import { ATTESTATION_SCHEMA, type AttestationData } from './model.js';

export interface Embedded {
  readonly data: AttestationData;
  /** SHA-256 recomputed from the embedded data. */
  readonly hash: string;
  /** SHA-256 the document prints (its meta tag). */
  readonly printedHash: string | null;
}

const SCRIPT = new RegExp(`<script type="application/json" id="${EMBED_ID}">([^<]*)</script>`);
const META = /<meta name="camsweep-attestation-sha256" content="([0-9a-f]{64})">/;

export function readEmbedded(html: string, what: string): Embedded {
  const m = SCRIPT.exec(html);
  if (!m?.[1])
    throw new CamsweepError('E_USAGE', `${what} is not a camsweep attestation HTML file (no embedded data)`, {
      fix: 'pass an .html file written by `camsweep report --html`',
    });
  let data: AttestationData;
  try {
    data = JSON.parse(m[1]) as AttestationData;
  } catch {
    throw new CamsweepError(
      'E_USAGE',
      `${what}: the embedded attestation data is not valid JSON (the file was edited)`,
    );
  }
  if (data?.schema !== ATTESTATION_SCHEMA || !Array.isArray(data.sites))
    throw new CamsweepError('E_USAGE', `${what}: the embedded data is not ${ATTESTATION_SCHEMA}`);
  return { data, hash: sha256Hex(canonicalJson(data)), printedHash: META.exec(html)?.[1] ?? null };
}
