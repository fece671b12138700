/**
 * What the classifier reads from the shared vocabulary (src/knowledge/signatures/vocabulary.ts) beyond
 * its typed fields: the current ownership chain (the shared `ancestors` also walks former
 * parents, which must not count as ownership today) and a manufacturer's country, which
 * rules such as the UK WMS ("companies subject to the PRC National Intelligence Law") key on.
 */
import { owners, type Vocabulary } from '../signatures/vocabulary.js';

export type { BrandMaker, Vocabulary } from '../signatures/vocabulary.js';

export interface Ownership {
  readonly id: string;
  /** YYYY-MM or null (open). */
  readonly from: string | null;
  readonly until: string | null;
}

/** Current owners above a manufacturer, nearest first (former owners are judged by date elsewhere). */
export function ownersOf(vocab: Vocabulary, id: string): string[] {
  return owners(vocab, id, { former: false });
}

/** ISO 3166 alpha-2 of a manufacturer, from the `country` field of manufacturers.yaml. */
export function countryOf(vocab: Vocabulary, id: string): string | null {
  return vocab.manufacturers.get(id)?.country ?? null;
}
