/**
 * `camsweep verify`: checks signatures/ (vocabulary, model families, fingerprints with their
 * examples and counterexamples, the generic corpus) and the classification rules, printing
 * every problem as `path:line: message`. Exit 0 when clean, 1 when anything is wrong.
 */

import { join } from 'node:path';
import { EXIT } from '../../src/core/errors.js';
import { SIGNATURES_DIR } from '../../src/core/version.js';
import { verifyAdvisories } from '../../src/knowledge/advisories/verify.js';
import { verifyRules } from '../../src/knowledge/classify/verify.js';
import { formatProblem, type Problem } from '../../src/knowledge/signatures/problem.js';
import { verifySignatures } from '../../src/knowledge/verify/signatures.js';
import { parseCommandArgs } from './args.js';
import type { CommandIO } from './io.js';

const HELP = `Usage: camsweep verify [--signatures DIR] [--generic DIR]

Checks every file under signatures/ and the rules:
  schema and vocabulary ids, examples matched (and matched best) by their own entry with the
  expected extraction, no counterexample matched, the generic corpus of non-camera banners
  never identified as a covered maker, and the rules' own checks.
Prints problems as path:line: message; exits 1 if there is any.

  --signatures DIR  signature directory (default: the installed signatures/)
  --generic DIR     generic corpus directory (default: generic/ in the signature directory,
                    shipped as signatures/generic/); a missing or empty folder is an error
`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { signatures: { type: 'string' }, generic: { type: 'string' } },
    HELP,
    io,
    { positionals: false },
  );
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const signaturesDir = values.signatures ?? SIGNATURES_DIR;
  const genericDir = values.generic ?? join(signaturesDir, 'generic');
  const result = verifySignatures(signaturesDir, genericDir);
  const problems: Problem[] = [...result.problems];

  problems.push(...verifyRules({ rulesDir: join(signaturesDir, 'rules') }));
  const advisories = verifyAdvisories(join(signaturesDir, 'advisories'));
  problems.push(...advisories.problems);

  for (const p of problems) io.stdout.write(`${formatProblem(p)}\n`);
  const c = result.counts;
  io.stdout.write(
    `camsweep verify: ${c.signatures} signatures, ${c.examples} examples, ${c.counterexamples} counterexamples, ` +
      `${c.modelFamilies} model families, ${c.genericObservations} generic observations` +
      `, rules, ${advisories.count} firmware advisories; signatures version ${result.version}; ` +
      `${problems.length === 0 ? 'no problems' : `${problems.length} problem(s)`}\n`,
  );
  return problems.length === 0 ? EXIT.ok : EXIT.failure;
}
