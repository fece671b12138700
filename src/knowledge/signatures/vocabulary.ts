/**
 * The controlled vocabulary (signatures/vocabulary/): manufacturers with their ownership
 * chains, brands with the makers behind them, device types. Loaded and checked here; the
 * identify stage and `camsweep verify` both use it.
 */
import { join } from 'node:path';
import { DEVICE_TYPES, type DeviceType } from '../../contract/vocabulary.js';
import type { Problem } from './problem.js';
import { readYamlList, type YamlFile, type YamlItem } from './yaml-file.js';

export const RELATIONS = ['own-brand', 'subsidiary', 'oem', 'former-subsidiary', 'former-oem'] as const;
export type Relation = (typeof RELATIONS)[number];

export interface Manufacturer {
  readonly id: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly parent: string | null;
  readonly formerParents: readonly { id: string; from: string | null; until: string | null }[];
  /** ISO 3166 alpha-2 country of the maker's seat, upper case (rules keyed on origin use it). */
  readonly country: string | null;
}

export interface BrandMaker {
  readonly manufacturer: string;
  readonly relation: Relation;
  readonly from: string | null;
  readonly until: string | null;
  readonly modelSpecific: boolean;
  readonly verified: boolean;
}

export interface Brand {
  readonly id: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly makers: readonly BrandMaker[];
}

export interface Vocabulary {
  readonly manufacturers: ReadonlyMap<string, Manufacturer>;
  readonly brands: ReadonlyMap<string, Brand>;
  readonly deviceTypes: ReadonlySet<DeviceType>;
  /** Lower-cased alias or name or id → manufacturer id. */
  readonly manufacturerByAlias: ReadonlyMap<string, string>;
  readonly brandByAlias: ReadonlyMap<string, string>;
  /** Files read, for the content hash. */
  readonly files: readonly YamlFile[];
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MONTH = /^\d{4}-(?:0[1-9]|1[0-2])$/;

type Check = (item: YamlItem, file: YamlFile, problems: Problem[]) => void;

function need(
  item: YamlItem,
  file: YamlFile,
  problems: Problem[],
  key: string,
  test: (v: unknown) => boolean,
  what: string,
): boolean {
  const ok = test(item.value[key]);
  if (!ok) problems.push({ file: file.display, line: item.lineOf([key]), message: `${key}: ${what}` });
  return ok;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStringList = (v: unknown) => Array.isArray(v) && v.every(isString);
const isMonthOrNull = (v: unknown) => v === null || (typeof v === 'string' && MONTH.test(v));

function checkIds(file: YamlFile, problems: Problem[], extra: Check): Map<string, YamlItem> {
  const seen = new Map<string, YamlItem>();
  for (const item of file.items) {
    if (
      !need(
        item,
        file,
        problems,
        'id',
        (v) => typeof v === 'string' && ID.test(v),
        'must be a lower-case id like "cp-plus"',
      )
    )
      continue;
    const id = item.value.id as string;
    if (seen.has(id))
      problems.push({
        file: file.display,
        line: item.line,
        message: `duplicate id "${id}" (first at line ${seen.get(id)?.line})`,
      });
    else seen.set(id, item);
    need(item, file, problems, 'name', isString, 'a non-empty name is required');
    need(item, file, problems, 'aliases', isStringList, 'must be a list of strings (may be empty: [])');
    extra(item, file, problems);
  }
  return seen;
}

export function loadVocabulary(signaturesDir: string, problems: Problem[]): Vocabulary {
  const dir = join(signaturesDir, 'vocabulary');
  const mFile = readYamlList(join(dir, 'manufacturers.yaml'), problems);
  const bFile = readYamlList(join(dir, 'brands.yaml'), problems);
  const tFile = readYamlList(join(dir, 'device-types.yaml'), problems);

  const mItems = checkIds(mFile, problems, (item, file, p) => {
    need(
      item,
      file,
      p,
      'parent',
      (v) => v === null || (typeof v === 'string' && ID.test(v)),
      'must be a manufacturer id or null',
    );
    need(item, file, p, 'sources', isStringList, 'must list where the facts come from');
    const fp = item.value.formerParents;
    if (fp !== undefined) {
      if (!Array.isArray(fp))
        p.push({
          file: file.display,
          line: item.lineOf(['formerParents']),
          message: 'formerParents: must be a list',
        });
      else
        fp.forEach((f: Record<string, unknown>, i) => {
          if (!isString(f?.id) || !isMonthOrNull(f.from) || !isMonthOrNull(f.until))
            p.push({
              file: file.display,
              line: item.lineOf(['formerParents', i]),
              message: 'formerParents: each needs id, from and until (YYYY-MM or null)',
            });
        });
    }
  });
  const manufacturers = new Map<string, Manufacturer>();
  for (const [id, item] of mItems) {
    const v = item.value;
    manufacturers.set(id, {
      id,
      name: String(v.name ?? id),
      aliases: isStringList(v.aliases) ? (v.aliases as string[]) : [],
      parent: typeof v.parent === 'string' ? v.parent : null,
      formerParents: Array.isArray(v.formerParents) ? (v.formerParents as Manufacturer['formerParents']) : [],
      country: typeof v.country === 'string' ? v.country.toUpperCase() : null,
    });
  }
  for (const [id, m] of manufacturers) {
    const item = mItems.get(id)!;
    if (m.parent !== null && !manufacturers.has(m.parent))
      problems.push({
        file: mFile.display,
        line: item.lineOf(['parent']),
        message: `parent "${m.parent}" is not a manufacturer id`,
      });
    m.formerParents.forEach((f, i) => {
      if (!manufacturers.has(f.id))
        problems.push({
          file: mFile.display,
          line: item.lineOf(['formerParents', i]),
          message: `former parent "${f.id}" is not a manufacturer id`,
        });
    });
    // A cycle would make every ownership walk loop forever.
    const seen = new Set<string>([id]);
    for (let p = m.parent; p !== null; p = manufacturers.get(p)?.parent ?? null) {
      if (seen.has(p)) {
        problems.push({
          file: mFile.display,
          line: item.lineOf(['parent']),
          message: `parent chain of "${id}" loops back to "${p}"`,
        });
        break;
      }
      seen.add(p);
    }
  }

  const bItems = checkIds(bFile, problems, (item, file, p) => {
    const makers = item.value.makers;
    if (!Array.isArray(makers) || makers.length === 0) {
      p.push({
        file: file.display,
        line: item.lineOf(['makers']),
        message: 'makers: list at least one maker',
      });
      return;
    }
    makers.forEach((mk: Record<string, unknown>, i) => {
      const line = item.lineOf(['makers', i]);
      const bad = (msg: string) => p.push({ file: file.display, line, message: `makers[${i}]: ${msg}` });
      if (!isString(mk?.manufacturer) || !manufacturers.has(mk.manufacturer))
        bad(`manufacturer "${String(mk?.manufacturer)}" is not a manufacturer id`);
      if (!RELATIONS.includes(mk?.relation as Relation))
        bad(`relation must be one of ${RELATIONS.join(', ')}`);
      if (!isMonthOrNull(mk?.from) || !isMonthOrNull(mk?.until))
        bad('from and until must be YYYY-MM or null');
      if (typeof mk?.modelSpecific !== 'boolean') bad('modelSpecific must be true or false');
      if (typeof mk?.verified !== 'boolean') bad('verified must be true or false');
      if (!isString(mk?.source)) bad('source is required');
    });
  });
  const brands = new Map<string, Brand>();
  for (const [id, item] of bItems) {
    const v = item.value;
    brands.set(id, {
      id,
      name: String(v.name ?? id),
      aliases: isStringList(v.aliases) ? (v.aliases as string[]) : [],
      makers: Array.isArray(v.makers)
        ? (v.makers as BrandMaker[]).filter((m) => manufacturers.has(m?.manufacturer))
        : [],
    });
  }

  const deviceTypes = new Set<DeviceType>();
  for (const item of tFile.items) {
    const id = item.value.id;
    if (
      need(item, tFile, problems, 'id', (v) => typeof v === 'string' && ID.test(v), 'must be a lower-case id')
    )
      deviceTypes.add(String(id));
    // A signatures directory other than the package's may not invent types the report refuses.
    if (typeof id === 'string' && !DEVICE_TYPES.includes(id))
      problems.push({
        file: tFile.display,
        line: item.line,
        message: `device type "${id}" is not in the report contract (the package's signatures/vocabulary/device-types.yaml)`,
      });
    need(item, tFile, problems, 'meaning', isString, 'say in one line what the type means');
  }

  return {
    manufacturers,
    brands,
    deviceTypes,
    manufacturerByAlias: aliasIndex(manufacturers, mFile.display, problems),
    brandByAlias: aliasIndex(brands, bFile.display, problems),
    files: [mFile, bFile, tFile],
  };
}

/** Alias → id. Two entries claiming one alias would make free-text mapping ambiguous. */
function aliasIndex(
  entries: ReadonlyMap<string, { id: string; name: string; aliases: readonly string[] }>,
  file: string,
  problems: Problem[],
) {
  const index = new Map<string, string>();
  for (const e of entries.values()) {
    for (const a of new Set([e.id, e.name, ...e.aliases].map((s) => s.toLowerCase()))) {
      const other = index.get(a);
      if (other !== undefined && other !== e.id)
        problems.push({ file, line: 0, message: `alias "${a}" belongs to both "${other}" and "${e.id}"` });
      else index.set(a, e.id);
    }
  }
  return index;
}

/**
 * The one walk up the ownership graph, nearest first, stopping on cycles so bad data cannot
 * hang anyone. `former: false` follows current parents only (who owns this maker now);
 * `former: true` adds former parents (to relate evidence within one corporate group).
 */
export function owners(vocab: Vocabulary, id: string, options: { readonly former: boolean }): string[] {
  const out: string[] = [];
  const queue = [id];
  while (queue.length > 0) {
    const m = vocab.manufacturers.get(queue.shift()!);
    if (!m) continue;
    const next = options.former ? [m.parent, ...m.formerParents.map((f) => f.id)] : [m.parent];
    for (const n of next) {
      if (n !== null && n !== id && !out.includes(n)) {
        out.push(n);
        queue.push(n);
      }
    }
  }
  return out;
}

/** Parent chain plus former parents, nearest first (used to relate evidence within one group). */
export function ancestors(vocab: Vocabulary, id: string): string[] {
  return owners(vocab, id, { former: true });
}
