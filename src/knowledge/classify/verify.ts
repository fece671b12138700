/**
 * `camsweep verify` for the rule data: shape, vocabulary ids, dates, profiles, and every
 * rule's examples and counterexamples run through the real classifier with that rule alone
 * (docs/architecture.md §6 practice 4). Problems come back as `path:line: message`.
 */
import type { Problem } from '../signatures/problem.js';
import { startOf } from './dates.js';
import { classifyWith, type EngineData } from './engine.js';
import { DEFAULT_RULES_DIR, loadRuleSet } from './load.js';
import type { Rule, RuleExample } from './model.js';

export interface VerifyRulesOptions {
  readonly rulesDir?: string;
}

function judge(rule: Rule, data: EngineData, ex: RuleExample) {
  const at = startOf(ex.at ?? rule.reviewed);
  const result = classifyWith([rule], data, ex.identity, ex.evidence, at);
  const finding = result.findings.find((f) => f.rule === rule.id);
  return { result, finding };
}

export function verifyRules(options: VerifyRulesOptions = {}): Problem[] {
  const { set, problems } = loadRuleSet(options.rulesDir ?? DEFAULT_RULES_DIR);
  const data: EngineData = { vocab: set.vocab, classes: set.classes };
  for (const [id, rule] of set.rules) {
    const where = set.items.get(id);
    if (!where) continue;
    const report = (kind: string, i: number, message: string) =>
      problems.push({
        file: where.file.display,
        line: where.item.lineOf([kind, i]),
        message: `${kind}[${i}] "${rule[kind === 'examples' ? 'examples' : 'counterexamples'][i]?.note}": ${message}`,
      });

    rule.examples.forEach((ex, i) => {
      const { result, finding } = judge(rule, data, ex);
      const want = ex.verdict ?? 'covered';
      if (result.verdict !== want) report('examples', i, `expected verdict ${want}, got ${result.verdict}`);
      const wantStatus = want === 'covered' || want === 'suspect' ? 'applies' : 'upcoming';
      if (want !== 'unknown' && finding?.status !== wantStatus)
        report(
          'examples',
          i,
          finding ? `finding is ${finding.status}, expected ${wantStatus}` : `no finding for ${rule.id}`,
        );
    });
    rule.counterexamples.forEach((ex, i) => {
      const { result, finding } = judge(rule, data, ex);
      if (finding?.status === 'applies')
        report('counterexamples', i, `is caught (${result.verdict}): ${finding.basis}`);
    });
  }
  return problems;
}
