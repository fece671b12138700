/**
 * Reads signatures/rules (one or more rules per *.yaml file, plus profiles.yaml and
 * equipment.yaml) and cross-checks it against the vocabulary. Every problem carries its
 * file and line; the classifier refuses to start on any, `camsweep verify` prints them.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Evidence, type Identity, UNKNOWN_IDENTITY } from '../../contract/types.js';
import { SIGNATURES_DIR } from '../../core/version.js';
import type { Problem } from '../signatures/problem.js';
import { loadVocabulary } from '../signatures/vocabulary.js';
import { readYamlList, type YamlFile, type YamlItem } from '../signatures/yaml-file.js';
import { isCalendarDate } from './dates.js';
import type { Cover, EquipmentClasses, Profile, Rule, RuleExample } from './model.js';
import { checkShape, equipmentSchema, profileSchema, ruleSchema } from './rule-schema.js';
import type { Vocabulary } from './vocabulary.js';

export const PROFILES_FILE = 'profiles.yaml';
export const EQUIPMENT_FILE = 'equipment.yaml';

export interface RuleSet {
  readonly rules: ReadonlyMap<string, Rule>;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly classes: EquipmentClasses;
  readonly vocab: Vocabulary;
  /** Newest `reviewed` date + content hash of rules and vocabulary, e.g. 2026-08-26+1a2b3c4d5e6f. */
  readonly version: string;
  /** Newest `reviewed` date (YYYY-MM-DD): the date the rule data is current as of. */
  readonly asOf: string;
  /** Line items of each rule, so verify can point examples at their lines. */
  readonly items: ReadonlyMap<string, { file: YamlFile; item: YamlItem }>;
}

export const DEFAULT_RULES_DIR = join(SIGNATURES_DIR, 'rules');

/** Evidence an example stands on when it names none: one matched, non-OUI observation. */
function exampleEvidence(identity: Identity): Evidence[] {
  return [
    {
      probe: 'example',
      key: 'onvif.device.manufacturer',
      value: identity.manufacturer ?? identity.brand ?? '',
      signature: 'rule-example',
    },
  ];
}

function toExample(raw: Record<string, unknown>): RuleExample {
  const r = raw.identity as Record<string, unknown>;
  // Fields an example leaves out are unknown, as identify would report them.
  const identity = { ...UNKNOWN_IDENTITY, ...(r as Partial<Identity>) } as Identity;
  return {
    note: raw.note as string,
    identity,
    evidence: (raw.evidence as Evidence[] | undefined) ?? exampleEvidence(identity),
    ...(raw.at ? { at: raw.at as string } : {}),
    ...(raw.verdict ? { verdict: raw.verdict as RuleExample['verdict'] } : {}),
  };
}

function toRule(v: Record<string, unknown>, file: string): Rule {
  const covers = (v.covers as Record<string, unknown>[]).map(
    (c) => ({ ...c, verified: c.verified !== false }) as unknown as Cover,
  );
  return {
    ...(v as unknown as Rule),
    unverified: (v.unverified as string[] | undefined) ?? [],
    covers,
    examples: (v.examples as Record<string, unknown>[]).map(toExample),
    counterexamples: (v.counterexamples as Record<string, unknown>[]).map(toExample),
    file,
  };
}

class Checker {
  constructor(
    readonly vocab: Vocabulary,
    readonly problems: Problem[],
  ) {}

  at(file: YamlFile, item: YamlItem, path: (string | number)[], message: string): void {
    this.problems.push({ file: file.display, line: item.lineOf(path), message });
  }

  date(file: YamlFile, item: YamlItem, path: (string | number)[], value: unknown): void {
    if (typeof value === 'string' && !isCalendarDate(value))
      this.at(file, item, path, `${path.join('.')}: ${value} is not a calendar date`);
  }

  manufacturer(file: YamlFile, item: YamlItem, path: (string | number)[], value: unknown): void {
    if (typeof value === 'string' && !this.vocab.manufacturers.has(value))
      this.at(
        file,
        item,
        path,
        `${path.join('.')}: "${value}" is not a manufacturer id in signatures/vocabulary/manufacturers.yaml`,
      );
  }

  identity(file: YamlFile, item: YamlItem, path: (string | number)[], ex: RuleExample): void {
    const { manufacturer, brand, deviceType, alternatives } = ex.identity;
    this.manufacturer(file, item, [...path, 'identity', 'manufacturer'], manufacturer);
    if (brand !== null && !this.vocab.brands.has(brand))
      this.at(
        file,
        item,
        [...path, 'identity', 'brand'],
        `brand "${brand}" is not a brand id in signatures/vocabulary/brands.yaml`,
      );
    if (deviceType !== null && !this.vocab.deviceTypes.has(deviceType))
      this.at(
        file,
        item,
        [...path, 'identity', 'deviceType'],
        `deviceType "${deviceType}" is not in signatures/vocabulary/device-types.yaml`,
      );
    alternatives?.forEach((a, i) => {
      this.manufacturer(file, item, [...path, 'identity', 'alternatives', i], a.manufacturer);
    });
    this.date(file, item, [...path, 'at'], ex.at);
  }

  rule(file: YamlFile, item: YamlItem, rule: Rule, classes: EquipmentClasses): void {
    this.date(file, item, ['effective'], rule.effective);
    this.date(file, item, ['ends'], rule.ends);
    this.date(file, item, ['reviewed'], rule.reviewed);
    if (rule.ends && rule.ends <= rule.effective)
      this.at(file, item, ['ends'], 'ends: must be after effective');
    rule.covers.forEach((c, i) => {
      if ((c.entity === undefined) === (c.country === undefined))
        this.at(
          file,
          item,
          ['covers', i],
          `covers[${i}]: give exactly one of entity (a manufacturer id) or country`,
        );
      this.manufacturer(file, item, ['covers', i, 'entity'], c.entity);
      this.date(file, item, ['covers', i, 'from'], c.from);
      this.date(file, item, ['covers', i, 'until'], c.until);
      if (c.from && c.from < rule.effective)
        this.at(file, item, ['covers', i, 'from'], "from: earlier than the rule's effective date");
      if (c.from && c.until && c.until <= c.from)
        this.at(file, item, ['covers', i, 'until'], 'until: must be after from');
      if (c.equipment !== 'any')
        for (const e of c.equipment)
          if (!classes.has(e) && !this.vocab.deviceTypes.has(e))
            this.at(
              file,
              item,
              ['covers', i, 'equipment'],
              `equipment: "${e}" is neither a class in ${EQUIPMENT_FILE} nor a device type`,
            );
      if (!c.verified && rule.verified)
        this.at(file, item, ['verified'], `verified: true, but covers[${i}] is marked unverified`);
    });
    if (rule.verified && rule.unverified.length > 0)
      this.at(
        file,
        item,
        ['verified'],
        'verified: true, but `unverified` lists facts docs/regulations.md marks [S] or [M]',
      );
    if (rule.covers.length > 0 && rule.examples.length === 0)
      this.at(file, item, ['examples'], 'examples: a rule that covers entities needs at least one example');
    for (const kind of ['examples', 'counterexamples'] as const) {
      rule[kind].forEach((ex, i) => {
        this.identity(file, item, [kind, i], ex);
      });
    }
  }
}

function loadClasses(dir: string, check: Checker, texts: string[]): Map<string, readonly string[]> {
  const file = readYamlList(join(dir, EQUIPMENT_FILE), check.problems);
  texts.push(file.text);
  const classes = new Map<string, readonly string[]>();
  for (const item of file.items) {
    if (!checkShape(equipmentSchema, item, file, check.problems)) continue;
    const { id, deviceTypes } = item.value as { id: string; deviceTypes: string[] };
    deviceTypes.forEach((t, i) => {
      if (!check.vocab.deviceTypes.has(t))
        check.at(file, item, ['deviceTypes', i], `"${t}" is not in signatures/vocabulary/device-types.yaml`);
    });
    classes.set(id, deviceTypes);
  }
  return classes;
}

function loadProfiles(
  dir: string,
  rules: ReadonlyMap<string, Rule>,
  check: Checker,
  texts: string[],
): Map<string, Profile> {
  const file = readYamlList(join(dir, PROFILES_FILE), check.problems);
  texts.push(file.text);
  const profiles = new Map<string, Profile>();
  const lines = new Map<string, YamlItem>();
  for (const item of file.items) {
    if (!checkShape(profileSchema, item, file, check.problems)) continue;
    const p = item.value as unknown as Profile;
    if (profiles.has(p.id)) check.at(file, item, ['id'], `duplicate profile id "${p.id}"`);
    profiles.set(p.id, p);
    lines.set(p.id, item);
    p.rules.forEach((r, i) => {
      if (!rules.has(r))
        check.at(file, item, ['rules', i], `rules: "${r}" is not a rule id in signatures/rules`);
    });
  }
  for (const [pid, p] of profiles) {
    const item = lines.get(pid) as YamlItem;
    const seen = new Set([pid]);
    for (let up = p.extends; up !== undefined; up = profiles.get(up)?.extends) {
      if (!profiles.has(up)) check.at(file, item, ['extends'], `extends: "${up}" is not a profile id`);
      if (seen.has(up) || !profiles.has(up)) {
        if (seen.has(up))
          check.at(file, item, ['extends'], `extends: profile chain of "${pid}" loops back to "${up}"`);
        break;
      }
      seen.add(up);
    }
  }
  const defaults = [...profiles.values()].filter((p) => p.default);
  if (defaults.length !== 1)
    check.problems.push({
      file: file.display,
      line: 0,
      message: `exactly one profile must say default: true (found ${defaults.length})`,
    });
  return profiles;
}

export function loadRuleSet(rulesDir: string = DEFAULT_RULES_DIR): { set: RuleSet; problems: Problem[] } {
  const problems: Problem[] = [];
  const vocab = loadVocabulary(dirname(rulesDir), problems);
  const check = new Checker(vocab, problems);
  // Everything that can change a verdict goes into the version hash.
  const texts: string[] = vocab.files.map((f) => f.text);
  const classes = loadClasses(rulesDir, check, texts);

  let names: string[] = [];
  try {
    names = readdirSync(rulesDir)
      .filter((n) => n.endsWith('.yaml') && n !== PROFILES_FILE && n !== EQUIPMENT_FILE)
      .sort();
  } catch (err) {
    problems.push({ file: rulesDir, line: 0, message: `cannot list rules: ${(err as Error).message}` });
  }
  const rules = new Map<string, Rule>();
  const items = new Map<string, { file: YamlFile; item: YamlItem }>();
  for (const name of names) {
    const file = readYamlList(join(rulesDir, name), problems);
    texts.push(name, file.text);
    for (const item of file.items) {
      if (!checkShape(ruleSchema, item, file, problems)) continue;
      const rule = toRule(item.value, file.display);
      if (rules.has(rule.id)) {
        check.at(file, item, ['id'], `duplicate rule id "${rule.id}" (also in ${rules.get(rule.id)?.file})`);
        continue;
      }
      check.rule(file, item, rule, classes);
      rules.set(rule.id, rule);
      items.set(rule.id, { file, item });
    }
  }
  const profiles = loadProfiles(rulesDir, rules, check, texts);
  const hash = createHash('sha256');
  for (const t of texts) hash.update(`${t}\0`);
  const reviewed =
    [...rules.values()]
      .map((r) => r.reviewed)
      .sort()
      .at(-1) ?? '0000-00-00';
  const version = `${reviewed}+${hash.digest('hex').slice(0, 12)}`;
  return { set: { rules, profiles, classes, vocab, version, asOf: reviewed, items }, problems };
}
