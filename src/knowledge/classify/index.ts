/**
 * The classify stage (docs/architecture.md §1, data flow: identities → classify → findings). Loads the rule
 * data once, resolves the chosen profile to its rules, and classifies identities against them
 * on the scan's date. Fails at start-up, before any packet, on bad rule data or an unknown
 * profile or rule id.
 */

import type { ClassifyResult, Evidence, Identity } from '../../contract/types.js';
import { CamsweepError } from '../../core/errors.js';
import { formatProblem } from '../signatures/problem.js';
import { classifyWith } from './engine.js';
import { DEFAULT_RULES_DIR, loadRuleSet, type RuleSet } from './load.js';
import type { Rule } from './model.js';

export interface ClassifierOptions {
  /** Profile id from signatures/rules/profiles.yaml; the file's default profile when absent. */
  readonly profile?: string;
  /** Rule ids: the whole rule list of the `custom` profile, or extra rules on top of another. */
  readonly customRules?: readonly string[];
  readonly rulesDir?: string;
}

export interface Classifier {
  classify(identity: Identity, evidence: readonly Evidence[], at: Date): ClassifyResult;
  /** Date of the newest rule review + content hash of rules and vocabulary. */
  readonly rulesVersion: string;
  /** Newest `reviewed` date of the rule data (YYYY-MM-DD). */
  readonly rulesAsOf: string;
  readonly profiles: readonly string[];
  readonly profile: string;
  /** Rule ids the profile resolved to, in evaluation order. */
  readonly ruleIds: readonly string[];
}

export const CUSTOM_PROFILE = 'custom';

/** The rules of every profile a profile extends (root first), then its own, without repeats. */
export function resolveProfile(set: RuleSet, profileId: string, extra: readonly string[] = []): Rule[] {
  const known = [...set.profiles.keys()].join(', ');
  if (!set.profiles.has(profileId))
    throw new CamsweepError('E_CONFIG', `unknown rule profile "${profileId}"`, {
      fix: `use one of: ${known}`,
    });
  // Walk up the `extends` chain, then lay the rules out from the root down.
  const chain: string[][] = [];
  const seen = new Set<string>();
  for (
    let p = set.profiles.get(profileId);
    p && !seen.has(p.id);
    p = p.extends ? set.profiles.get(p.extends) : undefined
  ) {
    seen.add(p.id);
    chain.unshift([...p.rules]);
  }
  const ids = [...chain.flat(), ...extra];
  const unknown = extra.filter((id) => !set.rules.has(id));
  if (unknown.length > 0) {
    throw new CamsweepError('E_CONFIG', `unknown rule id(s) in classify.rules: ${unknown.join(', ')}`, {
      fix: `use ids from signatures/rules (e.g. ${[...set.rules.keys()].slice(0, 4).join(', ')}); signatures/rules/README.md lists them all`,
    });
  }
  if (profileId === CUSTOM_PROFILE && extra.length === 0) {
    throw new CamsweepError('E_CONFIG', 'profile "custom" needs rule ids in classify.rules', {
      fix: 'list rule ids under classify.rules, or choose another profile',
    });
  }
  return [...new Set(ids)].map((id) => set.rules.get(id) as Rule);
}

export function defaultProfile(set: RuleSet): string {
  return [...set.profiles.values()].find((p) => p.default)?.id ?? 'us-local-government';
}

export function loadClassifier(options: ClassifierOptions = {}): Classifier {
  const { set, problems } = loadRuleSet(options.rulesDir ?? DEFAULT_RULES_DIR);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).map(formatProblem).join('\n  ');
    throw new CamsweepError('E_SIGNATURES', `rule data has ${problems.length} problem(s):\n  ${shown}`);
  }
  const profile = options.profile ?? defaultProfile(set);
  const rules = resolveProfile(set, profile, options.customRules ?? []);
  const data = { vocab: set.vocab, classes: set.classes };
  return {
    classify: (identity, evidence, at) => classifyWith(rules, data, identity, evidence, at),
    rulesVersion: set.version,
    rulesAsOf: set.asOf,
    profiles: [...set.profiles.keys()],
    profile,
    ruleIds: rules.map((r) => r.id),
  };
}
