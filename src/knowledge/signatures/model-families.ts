/**
 * Model families (signatures/vocabulary/model-families.yaml): model-number prefixes that say
 * what kind of device a model is (Hikvision DS-76 → nvr, Dahua XVR → dvr). Applied to the
 * model the identify stage settled on, so every protocol that reports a model benefits.
 */
import { join } from 'node:path';
import type { DeviceType } from '../../contract/types.js';
import type { Problem } from './problem.js';
import type { Vocabulary } from './vocabulary.js';
import { readYamlList, type YamlFile } from './yaml-file.js';

export interface ModelFamily {
  readonly id: string;
  readonly manufacturer: string;
  readonly regex: RegExp;
  readonly deviceType: DeviceType;
  readonly file: string;
  readonly line: number;
  readonly examples: readonly { value: string; line: number }[];
  readonly counterexamples: readonly { value: string; line: number }[];
}

export function loadModelFamilies(
  signaturesDir: string,
  vocab: Vocabulary,
  problems: Problem[],
): { families: ModelFamily[]; file: YamlFile } {
  const file = readYamlList(join(signaturesDir, 'vocabulary', 'model-families.yaml'), problems);
  const families: ModelFamily[] = [];
  for (const item of file.items) {
    const v = item.value;
    const start = problems.length;
    const bad = (path: (string | number)[], message: string) =>
      problems.push({ file: file.display, line: item.lineOf(path), message });
    if (typeof v.id !== 'string' || v.id === '') bad(['id'], 'id: required');
    if (typeof v.manufacturer !== 'string' || !vocab.manufacturers.has(v.manufacturer))
      bad(['manufacturer'], `manufacturer: "${String(v.manufacturer)}" is not a manufacturer id`);
    if (!vocab.deviceTypes.has(v.deviceType as DeviceType))
      bad(['deviceType'], `deviceType: "${String(v.deviceType)}" is not a device type`);
    if (v.case !== 'sensitive' && v.case !== 'insensitive')
      bad(['case'], 'case: say "sensitive" or "insensitive" explicitly');
    let regex: RegExp | null = null;
    try {
      regex = new RegExp(String(v.pattern ?? ''), v.case === 'insensitive' ? 'i' : '');
      if (!String(v.pattern ?? '').startsWith('^')) bad(['pattern'], 'pattern: anchor model prefixes with ^');
    } catch (err) {
      bad(['pattern'], `pattern: ${(err as Error).message}`);
    }
    const list = (field: string) => {
      const raw = v[field];
      if (!Array.isArray(raw) || raw.length === 0 || !raw.every((x) => typeof x === 'string')) {
        bad([field], `${field}: list at least one model number as text`);
        return [];
      }
      return (raw as string[]).map((value, i) => ({ value, line: item.lineOf([field, i]) }));
    };
    const examples = list('examples');
    const counterexamples = list('counterexamples');
    if (problems.length > start || regex === null) continue;
    families.push({
      id: v.id as string,
      manufacturer: v.manufacturer as string,
      regex,
      deviceType: v.deviceType as DeviceType,
      file: file.display,
      line: item.line,
      examples,
      counterexamples,
    });
  }
  return { families, file };
}

/** First family of `manufacturer` (or of an ancestor, given in `makers`) matching `model`. */
export function familyOf(
  families: readonly ModelFamily[],
  makers: readonly string[],
  model: string,
): ModelFamily | null {
  for (const f of families) if (makers.includes(f.manufacturer) && f.regex.test(model)) return f;
  return null;
}
