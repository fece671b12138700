/**
 * Loads signatures/advisories/*.yaml: shape, manufacturer and device-type ids from the
 * vocabulary, real calendar dates, compilable model patterns, unique ids. Every problem names
 * its file and line, like the rest of the signature data.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceType } from '../../contract/types.js';
import { SIGNATURES_DIR } from '../../core/version.js';
import { isCalendarDate } from '../classify/dates.js';
import { checkShape } from '../classify/rule-schema.js';
import type { Problem } from '../signatures/problem.js';
import { loadVocabulary, type Vocabulary } from '../signatures/vocabulary.js';
import { readYamlList, type YamlFile, type YamlItem } from '../signatures/yaml-file.js';
import type { Advisory, AdvisoryExample, AffectedRange } from './model.js';
import { advisorySchema } from './schema.js';

export const DEFAULT_ADVISORIES_DIR = join(SIGNATURES_DIR, 'advisories');

export interface AdvisorySet {
  readonly advisories: readonly Advisory[];
  readonly problems: Problem[];
}

type Raw = Record<string, unknown>;

const FIRMWARE_KEYS = [
  'versionFrom',
  'versionThrough',
  'versionBefore',
  'buildFrom',
  'buildThrough',
  'buildBefore',
];

function toExample(raw: Raw, line: number): AdvisoryExample {
  return {
    note: raw.note as string,
    manufacturer: (raw.manufacturer as string | null) ?? null,
    model: (raw.model as string | null | undefined) ?? null,
    firmware: (raw.firmware as string | null) ?? null,
    deviceType: (raw.deviceType as DeviceType | null | undefined) ?? null,
    line,
  };
}

function compileModels(pattern: string): RegExp {
  // `(?i)` at the start asks for a case-insensitive pattern, as in the fingerprint files.
  return pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern);
}

function toAdvisory(file: YamlFile, item: YamlItem, vocab: Vocabulary, problems: Problem[]): Advisory | null {
  const v = item.value;
  const at = (path: (string | number)[], message: string) =>
    problems.push({ file: file.display, line: item.lineOf(path), message: `${String(v.id)}: ${message}` });
  const start = problems.length;
  (v.manufacturers as string[]).forEach((m, i) => {
    if (!vocab.manufacturers.has(m))
      at(['manufacturers', i], `"${m}" is not in signatures/vocabulary/manufacturers.yaml`);
  });
  for (const key of ['reviewed', 'kevAdded'] as const)
    if (typeof v[key] === 'string' && !isCalendarDate(v[key] as string))
      at([key], `${key} "${v[key]}" is not a real date`);
  const affected: AffectedRange[] = [];
  (v.affected as Raw[]).forEach((r, i) => {
    for (const key of ['buildFrom', 'buildThrough', 'buildBefore'])
      if (typeof r[key] === 'string' && !isCalendarDate(r[key] as string))
        at(['affected', i, key], `${key} "${r[key]}" is not a real date`);
    // A range must say something about the firmware, or it would flag every unit of the maker.
    if (!FIRMWARE_KEYS.some((k) => typeof r[k] === 'string'))
      at(['affected', i], `give at least one of ${FIRMWARE_KEYS.join(', ')}`);
    for (const t of (r.deviceTypes as string[] | undefined) ?? [])
      if (!vocab.deviceTypes.has(t as DeviceType))
        at(
          ['affected', i, 'deviceTypes'],
          `deviceType "${t}" is not in signatures/vocabulary/device-types.yaml`,
        );
    let models: RegExp | undefined;
    if (typeof r.models === 'string') {
      try {
        models = compileModels(r.models);
      } catch (err) {
        at(['affected', i, 'models'], `models is not a valid pattern: ${(err as Error).message}`);
      }
    }
    affected.push({
      ...(r as Omit<AffectedRange, 'models' | 'certainty'>),
      ...(models ? { models, modelsText: r.models as string } : {}),
      certainty: (r.certainty as AffectedRange['certainty'] | undefined) ?? 'affected',
    });
  });
  if (problems.length > start) return null;
  return {
    id: v.id as string,
    cve: v.cve as string,
    title: v.title as string,
    manufacturers: v.manufacturers as string[],
    kev: v.kev as boolean,
    ...(v.kevAdded ? { kevAdded: v.kevAdded as string } : {}),
    advisory: v.advisory as string,
    source: v.source as string,
    fixed: v.fixed as string,
    verified: v.verified as boolean,
    unverified: (v.unverified as string[] | undefined) ?? [],
    reviewed: v.reviewed as string,
    affected,
    examples: (v.examples as Raw[]).map((e, i) => toExample(e, item.lineOf(['examples', i]))),
    counterexamples: (v.counterexamples as Raw[]).map((e, i) =>
      toExample(e, item.lineOf(['counterexamples', i])),
    ),
    file: file.display,
    line: item.line,
  };
}

export function loadAdvisories(dir = DEFAULT_ADVISORIES_DIR, vocab?: Vocabulary): AdvisorySet {
  const problems: Problem[] = [];
  if (!existsSync(dir)) return { advisories: [], problems };
  const vocabulary = vocab ?? loadVocabulary(join(dir, '..'), problems);
  const advisories: Advisory[] = [];
  const seen = new Set<string>();
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const file = readYamlList(join(dir, name), problems);
    for (const item of file.items) {
      if (!checkShape(advisorySchema, item, file, problems)) continue;
      const advisory = toAdvisory(file, item, vocabulary, problems);
      if (!advisory) continue;
      if (seen.has(advisory.id)) {
        problems.push({
          file: file.display,
          line: item.line,
          message: `${advisory.id}: duplicate advisory id`,
        });
        continue;
      }
      seen.add(advisory.id);
      advisories.push(advisory);
    }
  }
  return { advisories, problems };
}
