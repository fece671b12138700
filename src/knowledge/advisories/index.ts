/**
 * Firmware risk assessment for the pipeline and the collector: loads the advisories once and
 * answers per identity. Refuses to start on bad advisory data, like the classifier.
 */
import type { Identity, Risk } from '../../contract/types.js';
import { CamsweepError } from '../../core/errors.js';
import { formatProblem } from '../signatures/problem.js';
import { DEFAULT_ADVISORIES_DIR, loadAdvisories } from './load.js';
import { risksFor, subjectOf } from './match.js';
import type { Advisory } from './model.js';

export interface RiskAssessor {
  risks(identity: Identity, at: Date): Risk[];
  readonly advisories: readonly Advisory[];
}

export function loadRiskAssessor(dir = DEFAULT_ADVISORIES_DIR): RiskAssessor {
  const { advisories, problems } = loadAdvisories(dir);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).map(formatProblem).join('\n  ');
    throw new CamsweepError(
      'E_SIGNATURES',
      `firmware advisory data has ${problems.length} problem(s):\n  ${shown}`,
      {
        fix: 'run `camsweep verify` and correct signatures/advisories',
      },
    );
  }
  return { risks: (identity, at) => risksFor(advisories, subjectOf(identity), at), advisories };
}
