/**
 * What the classifier reads from the shared vocabulary (src/knowledge/signatures/vocabulary.ts) beyond
 * its typed fields: the current ownership chain (the shared `ancestors` also walks former
 * parents, which must not count as ownership today) and a manufacturer's country, which
 * rules such as the UK WMS ("companies subject to the PRC National Intelligence Law") key on.
 */
import type { Vocabulary } from '../signatures/vocabulary.js';

export type { BrandMaker, Vocabulary } from '../signatures/vocabulary.js';

export interface Ownership {
  readonly id: string;
  /** YYYY-MM or null (open). */
  readonly from: string | null;
  readonly until: string | null;
}

/** Current owners above a manufacturer, nearest first; stops on a cycle so bad data cannot hang us. */
export function ownersOf(vocab: Vocabulary, id: string): string[] {
  const chain: string[] = [];
  let current = vocab.manufacturers.get(id)?.parent ?? null;
  while (current && !chain.includes(current) && current !== id) {
    chain.push(current);
    current = vocab.manufacturers.get(current)?.parent ?? null;
  }
  return chain;
}

/** ISO 3166 alpha-2 of a manufacturer, from the `country` field of manufacturers.yaml. */
export function countryOf(vocab: Vocabulary, id: string): string | null {
  return vocab.manufacturers.get(id)?.country ?? null;
}
