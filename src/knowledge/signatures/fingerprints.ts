/**
 * Fingerprint entries (signatures/fingerprints/*.yaml): load, check the schema against the
 * vocabulary and the observation-key registry, and compile each pattern once.
 * The format is documented in signatures/README.md.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isKnownKey, isKnownPattern } from '../../contract/observation-keys.js';
import type { DeviceType } from '../../contract/vocabulary.js';
import type { Problem } from './problem.js';
import type { Vocabulary } from './vocabulary.js';
import { readYamlList, type YamlFile, type YamlItem } from './yaml-file.js';

export const WEIGHTS = ['strong', 'medium', 'weak', 'info'] as const;
export type Weight = (typeof WEIGHTS)[number];
/** Fields a pattern may capture with a named group, e.g. `(?<model>DS-[A-Z0-9-]+)`. */
export const GROUPS = ['model', 'firmware', 'serial', 'deviceType', 'manufacturer', 'brand'] as const;
const FIELDS = ['model', 'firmware', 'serial', 'deviceType'] as const;
type Field = (typeof FIELDS)[number];

export interface Example {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  /** Expected extraction; a field left out must not be extracted. */
  readonly expect: Partial<Record<Field | 'manufacturer' | 'brand', string | null>>;
}

export interface Signature {
  readonly id: string;
  readonly file: string;
  readonly line: number;
  /** Exact key, or a family prefix ending in "." when the entry's key ends in ".*". */
  readonly key: string;
  readonly family: boolean;
  readonly regex: RegExp;
  readonly manufacturer: string | null;
  readonly brand: string | null;
  readonly weight: Weight;
  readonly priority: number;
  readonly constants: Partial<Record<Exclude<Field, 'deviceType'>, string>> & { deviceType?: DeviceType };
  /** Captured deviceType text (lower case) → device type. */
  readonly deviceTypeMap: ReadonlyMap<string, DeviceType> | null;
  readonly examples: readonly Example[];
  readonly counterexamples: readonly Example[];
}

/** What one signature concluded from one value. */
export interface Extraction {
  manufacturer: string | null;
  brand: string | null;
  model: string | null;
  firmware: string | null;
  serial: string | null;
  deviceType: DeviceType | null;
}

export interface Fingerprints {
  readonly signatures: readonly Signature[];
  readonly files: readonly YamlFile[];
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ALLOWED = new Set([
  'id',
  'key',
  'pattern',
  'case',
  'manufacturer',
  'brand',
  'weight',
  'priority',
  'extract',
  'source',
  'notes',
  'examples',
  'counterexamples',
]);
const EXAMPLE_FIELDS = new Set(['key', 'value', 'note', ...FIELDS, 'manufacturer', 'brand']);

export function fingerprintFiles(signaturesDir: string): string[] {
  const dir = join(signaturesDir, 'fingerprints');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

export function loadFingerprints(
  signaturesDir: string,
  vocab: Vocabulary,
  problems: Problem[],
): Fingerprints {
  const files = fingerprintFiles(signaturesDir).map((p) => readYamlList(p, problems));
  if (files.length === 0)
    problems.push({
      file: join(signaturesDir, 'fingerprints'),
      line: 0,
      message: 'no fingerprint files (*.yaml) found',
    });
  const signatures: Signature[] = [];
  const ids = new Map<string, string>();
  for (const file of files) {
    for (const item of file.items) {
      const sig = checkEntry(item, file, vocab, problems);
      if (!sig) continue;
      const first = ids.get(sig.id);
      if (first)
        problems.push({
          file: file.display,
          line: item.line,
          message: `duplicate signature id "${sig.id}" (first at ${first})`,
        });
      else {
        ids.set(sig.id, `${file.display}:${item.line}`);
        signatures.push(sig);
      }
    }
  }
  return { signatures, files };
}

function checkEntry(
  item: YamlItem,
  file: YamlFile,
  vocab: Vocabulary,
  problems: Problem[],
): Signature | null {
  const v = item.value;
  const start = problems.length;
  const bad = (path: (string | number)[], message: string) =>
    problems.push({ file: file.display, line: item.lineOf(path), message });
  for (const k of Object.keys(v))
    if (!ALLOWED.has(k)) bad([k], `unknown field "${k}" (allowed: ${[...ALLOWED].join(', ')})`);

  const id = v.id;
  if (typeof id !== 'string' || !ID.test(id))
    bad(['id'], 'id: must be a lower-case id like "hikvision-http-server"');
  const key = v.key;
  const family = typeof key === 'string' && key.endsWith('.*');
  if (typeof key !== 'string' || !(family ? isKnownPattern(key) : isKnownKey(key)))
    bad(
      ['key'],
      `key: "${String(key)}" is not an observation key or family in src/contract/observation-keys.ts`,
    );
  if (v.case !== 'sensitive' && v.case !== 'insensitive')
    bad(['case'], 'case: say "sensitive" or "insensitive" explicitly');
  let regex: RegExp | null = null;
  if (typeof v.pattern !== 'string' || v.pattern.length === 0)
    bad(['pattern'], 'pattern: a regular expression is required');
  else {
    try {
      regex = new RegExp(v.pattern, v.case === 'insensitive' ? 'i' : '');
    } catch (err) {
      bad(['pattern'], `pattern: ${(err as Error).message}`);
    }
  }
  const groups = regex ? namedGroups(regex.source) : [];
  for (const g of groups)
    if (!(GROUPS as readonly string[]).includes(g))
      bad(['pattern'], `pattern: unknown named group "${g}" (allowed: ${GROUPS.join(', ')})`);

  for (const field of ['manufacturer', 'brand'] as const) {
    const val = v[field];
    if (val === undefined || val === null) continue;
    const known =
      field === 'manufacturer' ? vocab.manufacturers.has(String(val)) : vocab.brands.has(String(val));
    if (!known)
      bad([field], `${field}: "${String(val)}" is not an id in signatures/vocabulary/${field}s.yaml`);
  }
  if (!WEIGHTS.includes(v.weight as Weight)) bad(['weight'], `weight: must be one of ${WEIGHTS.join(', ')}`);
  const claims =
    v.manufacturer != null || v.brand != null || groups.includes('manufacturer') || groups.includes('brand');
  if (v.weight === 'info' && (v.manufacturer != null || v.brand != null))
    bad(
      ['weight'],
      'weight: info entries only extract fields; give a real weight when naming a manufacturer or brand',
    );
  if (v.weight !== undefined && v.weight !== 'info' && !claims)
    bad(
      ['weight'],
      'weight: an entry that names no manufacturer or brand only extracts fields; use weight: info',
    );
  if (v.priority !== undefined && !Number.isInteger(v.priority))
    bad(['priority'], 'priority: must be an integer');
  if (typeof v.source !== 'string' || v.source.trim() === '')
    bad(['source'], 'source: say which capture or public data set this comes from');

  const constants: Signature['constants'] = {};
  let deviceTypeMap: Map<string, DeviceType> | null = null;
  const extract = v.extract;
  if (extract !== undefined) {
    if (typeof extract !== 'object' || extract === null || Array.isArray(extract))
      bad(['extract'], 'extract: must be a mapping');
    else
      for (const [f, val] of Object.entries(extract as Record<string, unknown>)) {
        if (!(FIELDS as readonly string[]).includes(f))
          bad(['extract', f], `extract: unknown field "${f}" (allowed: ${FIELDS.join(', ')})`);
        else if (f === 'deviceType' && typeof val === 'object' && val !== null) {
          if (!groups.includes('deviceType'))
            bad(
              ['extract', f],
              'extract.deviceType: a value map needs a (?<deviceType>…) group in the pattern',
            );
          deviceTypeMap = new Map();
          for (const [raw, t] of Object.entries(val as Record<string, unknown>)) {
            if (typeof t !== 'string' || !vocab.deviceTypes.has(t))
              bad(['extract', f, raw], `extract.deviceType: "${String(t)}" is not a device type`);
            else deviceTypeMap.set(raw.toLowerCase(), t);
          }
        } else if (typeof val !== 'string') bad(['extract', f], `extract.${f}: must be a text constant`);
        else if (f === 'deviceType' && !vocab.deviceTypes.has(val))
          bad(['extract', f], `extract.deviceType: "${val}" is not a device type`);
        else if (groups.includes(f))
          bad(['extract', f], `extract.${f}: set by both a constant and a named group`);
        else (constants as Record<string, string>)[f] = val;
      }
  }
  if (groups.includes('deviceType') && deviceTypeMap === null)
    bad(
      ['pattern'],
      'pattern: a (?<deviceType>…) group needs an extract.deviceType map from captured text to device types',
    );

  const examples = readExamples(item, file, 'examples', typeof key === 'string' ? key : '', family, problems);
  const counterexamples = readExamples(
    item,
    file,
    'counterexamples',
    typeof key === 'string' ? key : '',
    family,
    problems,
  );
  if (examples.length === 0)
    bad(['examples'], 'examples: give at least one real value this entry must match');
  if (counterexamples.length === 0)
    bad(['counterexamples'], 'counterexamples: give at least one look-alike value this entry must not match');

  if (problems.length > start || regex === null) return null;
  return {
    id: id as string,
    file: file.display,
    line: item.line,
    key: family ? (key as string).slice(0, -1) : (key as string),
    family,
    regex,
    manufacturer: (v.manufacturer as string | null | undefined) ?? null,
    brand: (v.brand as string | null | undefined) ?? null,
    weight: v.weight as Weight,
    priority: (v.priority as number | undefined) ?? 0,
    constants,
    deviceTypeMap,
    examples,
    counterexamples,
  };
}

function readExamples(
  item: YamlItem,
  file: YamlFile,
  field: string,
  key: string,
  family: boolean,
  problems: Problem[],
): Example[] {
  const list = item.value[field];
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    problems.push({ file: file.display, line: item.lineOf([field]), message: `${field}: must be a list` });
    return [];
  }
  const out: Example[] = [];
  for (const [i, raw] of (list as unknown[]).entries()) {
    const line = item.lineOf([field, i]);
    const bad = (message: string) =>
      problems.push({ file: file.display, line, message: `${field}[${i}]: ${message}` });
    const ex =
      typeof raw === 'string' || typeof raw === 'number'
        ? { value: String(raw) }
        : (raw as Record<string, unknown> | null);
    if (ex === null || typeof ex !== 'object' || typeof ex.value !== 'string') {
      bad('needs a text value (quote numbers)');
      continue;
    }
    for (const k of Object.keys(ex)) if (!EXAMPLE_FIELDS.has(k)) bad(`unknown field "${k}"`);
    let exKey = key;
    if (typeof ex.key === 'string') {
      if (!isKnownKey(ex.key)) {
        bad(`key "${ex.key}" is not an observation key`);
        continue;
      }
      if (!keyFits(ex.key, key, family)) {
        bad(`key "${ex.key}" is outside this entry's key ${key}`);
        continue;
      }
      exKey = ex.key;
    } else if (family) {
      bad(`the entry reads a family (${key}): say which key, e.g. key: ${key.slice(0, -1)}name`);
      continue;
    }
    const expect: Example['expect'] = {};
    for (const f of [...FIELDS, 'manufacturer', 'brand'] as const) {
      if (ex[f] === undefined) continue;
      if (ex[f] !== null && typeof ex[f] !== 'string') bad(`${f} must be text or null`);
      else expect[f] = ex[f] as string | null;
    }
    out.push({ key: exKey, value: ex.value, line, expect });
  }
  return out;
}

function keyFits(key: string, sigKey: string, family: boolean): boolean {
  return family ? key.startsWith(sigKey.slice(0, -1)) && key.length > sigKey.length - 1 : key === sigKey;
}

function namedGroups(source: string): string[] {
  return [...source.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
}

/** Whether `sig` reads `key`. */
export function readsKey(sig: Signature, key: string): boolean {
  return sig.family ? key.length > sig.key.length && key.startsWith(sig.key) : key === sig.key;
}

/** Runs one signature on one value; null when it does not match. */
export function extract(sig: Signature, value: string, vocab: Vocabulary): Extraction | null {
  const m = sig.regex.exec(value);
  if (m === null) return null;
  const g = m.groups ?? {};
  const text = (s: string | undefined) => (s === undefined ? null : s.trim() || null);
  let deviceType = sig.constants.deviceType ?? null;
  if (sig.deviceTypeMap !== null && g.deviceType !== undefined)
    deviceType = sig.deviceTypeMap.get(g.deviceType.trim().toLowerCase()) ?? null;
  const capturedMaker = text(g.manufacturer);
  const capturedBrand = text(g.brand);
  return {
    manufacturer:
      sig.manufacturer ??
      (capturedMaker === null ? null : (vocab.manufacturerByAlias.get(capturedMaker.toLowerCase()) ?? null)),
    brand:
      sig.brand ??
      (capturedBrand === null ? null : (vocab.brandByAlias.get(capturedBrand.toLowerCase()) ?? null)),
    model: text(g.model) ?? sig.constants.model ?? null,
    firmware: text(g.firmware) ?? sig.constants.firmware ?? null,
    serial: text(g.serial) ?? sig.constants.serial ?? null,
    deviceType,
  };
}
