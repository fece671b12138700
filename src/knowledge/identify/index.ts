/**
 * The identify stage: one host's observations in, one identity with evidence out
 * (docs/architecture.md §1, data flow). Signatures are read and compiled once per `loadIdentifier`.
 */

import type { IdentifyResult, Observation } from '../../contract/types.js';
import { CamsweepError } from '../../core/errors.js';
import { SIGNATURES_DIR } from '../../core/version.js';
import { loadDatabase, type SignatureDatabase } from '../signatures/database.js';
import { formatProblem } from '../signatures/problem.js';
import { ancestors } from '../signatures/vocabulary.js';
import { derive } from './derive/index.js';
import { type FuseContext, fuse } from './fuse.js';
import { type Hit, Matcher } from './match.js';

export interface Identifier {
  identify(observations: readonly Observation[]): IdentifyResult;
  /** Content hash of the signature files the identifier was built from. */
  readonly version: string;
}

export interface IdentifierOptions {
  readonly signaturesDir?: string;
}

/** Builds an identifier; throws E_SIGNATURES naming the first problems when the data is broken. */
export function loadIdentifier(options: IdentifierOptions = {}): Identifier {
  const db = loadDatabase(options.signaturesDir ?? SIGNATURES_DIR);
  if (db.problems.length > 0) {
    const shown = db.problems.slice(0, 5).map(formatProblem).join('\n  ');
    const more = db.problems.length > 5 ? `\n  … and ${db.problems.length - 5} more` : '';
    throw new CamsweepError(
      'E_SIGNATURES',
      `signature data has ${db.problems.length} problem(s):\n  ${shown}${more}`,
    );
  }
  return identifierFrom(db);
}

/** An identifier over an already loaded database (verify reuses the one it checked). */
export function identifierFrom(db: SignatureDatabase): Identifier {
  const matcher = new Matcher(db.fingerprints.signatures, db.vocab);
  const ctx: FuseContext = {
    vocab: db.vocab,
    families: db.families,
    ancestors: new Map([...db.vocab.manufacturers.keys()].map((id) => [id, ancestors(db.vocab, id)])),
  };
  return {
    version: db.version,
    identify(given) {
      // Derived keys are recomputed from raw ones here, so every source of observations agrees.
      const observations = derive(given);
      const hits: Hit[] = [];
      for (const o of observations) matcher.match(o, hits);
      return fuse(observations, hits, ctx);
    },
  };
}
