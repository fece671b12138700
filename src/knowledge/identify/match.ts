/**
 * Finds the signatures that read an observation's key, once per key, and runs them.
 * Keys come from devices (`http.header.<anything>`), so the per-key cache is bounded.
 */

import type { Observation } from '../../contract/types.js';
import { type Extraction, extract, readsKey, type Signature } from '../signatures/fingerprints.js';
import type { Vocabulary } from '../signatures/vocabulary.js';
import { valueLimit } from './input.js';

export interface Hit {
  readonly observation: Observation;
  readonly signature: Signature;
  readonly extraction: Extraction;
}

const CACHE_LIMIT = 4096;

export class Matcher {
  private readonly exact = new Map<string, Signature[]>();
  private readonly families: Signature[] = [];
  private readonly cache = new Map<string, readonly Signature[]>();

  constructor(
    signatures: readonly Signature[],
    private readonly vocab: Vocabulary,
  ) {
    for (const s of signatures) {
      if (s.family) this.families.push(s);
      else {
        const list = this.exact.get(s.key) ?? [];
        list.push(s);
        this.exact.set(s.key, list);
      }
    }
  }

  signaturesFor(key: string): readonly Signature[] {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const list = [...(this.exact.get(key) ?? []), ...this.families.filter((s) => readsKey(s, key))];
    if (this.cache.size < CACHE_LIMIT) this.cache.set(key, list);
    return list;
  }

  /** Every signature hit on one observation. Oversized values are cut before matching. */
  match(observation: Observation, out: Hit[]): void {
    const sigs = this.signaturesFor(observation.key);
    if (sigs.length === 0 || typeof observation.value !== 'string') return;
    const limit = valueLimit(observation.key);
    const value = observation.value.length > limit ? observation.value.slice(0, limit) : observation.value;
    for (const signature of sigs) {
      const extraction = extract(signature, value, this.vocab);
      if (extraction !== null) out.push({ observation, signature, extraction });
    }
  }
}
