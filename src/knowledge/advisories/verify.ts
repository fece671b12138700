/**
 * `camsweep verify` for the advisories: every example must match its own advisory, no
 * counterexample may, and an advisory with no affected range must say why in `unverified`.
 */
import type { Problem } from '../signatures/problem.js';
import { DEFAULT_ADVISORIES_DIR, loadAdvisories } from './load.js';
import { risksFor } from './match.js';
import type { Advisory } from './model.js';

export function verifyAdvisories(dir = DEFAULT_ADVISORIES_DIR): { problems: Problem[]; count: number } {
  const { advisories, problems } = loadAdvisories(dir);
  for (const a of advisories) {
    const at = new Date(`${a.reviewed}T00:00:00Z`);
    const hits = (ex: Advisory['examples'][number]) => risksFor([a], ex, at).length > 0;
    for (const ex of a.examples)
      if (!hits(ex))
        problems.push({
          file: a.file,
          line: ex.line,
          message: `${a.id}: example "${ex.note}" is not matched`,
        });
    for (const ex of a.counterexamples)
      if (hits(ex))
        problems.push({
          file: a.file,
          line: ex.line,
          message: `${a.id}: counterexample "${ex.note}" is matched`,
        });
    if (a.affected.length > 0 && a.examples.length === 0)
      problems.push({
        file: a.file,
        line: a.line,
        message: `${a.id}: affected ranges need at least one example`,
      });
    if (a.affected.length === 0 && a.unverified.length === 0)
      problems.push({
        file: a.file,
        line: a.line,
        message: `${a.id}: no affected range; say why under unverified`,
      });
  }
  return { problems, count: advisories.length };
}
