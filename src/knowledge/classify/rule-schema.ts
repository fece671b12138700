/**
 * JSON Schemas of the rule data (signatures/rules/*.yaml, profiles.yaml, equipment.yaml). Shape
 * only: cross-references (vocabulary ids, rule ids in profiles) and dates are checked in
 * load.ts and verify.ts, which know the vocabulary.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Problem } from '../signatures/problem.js';
import type { YamlFile, YamlItem } from '../signatures/yaml-file.js';

const id = { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 64 } as const;
const text = { type: 'string', minLength: 1, maxLength: 2048 } as const;
// Findings copy these into reports, whose schema (src/contract/report-schema.ts) caps them.
const upTo = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
const day = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const nullableId = { anyOf: [id, { type: 'null' }] } as const;
const nullableText = { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'null' }] } as const;

const example = {
  type: 'object',
  additionalProperties: false,
  required: ['note', 'identity'],
  properties: {
    note: text,
    at: day,
    verdict: { enum: ['covered', 'suspect', 'not-covered', 'unknown'] },
    identity: {
      type: 'object',
      additionalProperties: false,
      required: ['confidence'],
      properties: {
        manufacturer: nullableId,
        brand: nullableId,
        deviceType: nullableId,
        model: nullableText,
        firmware: nullableText,
        serial: nullableText,
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        alternatives: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['manufacturer', 'confidence'],
            properties: { manufacturer: id, confidence: { type: 'number', minimum: 0, maximum: 1 } },
          },
        },
      },
    },
    evidence: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['probe', 'key', 'value'],
        properties: {
          probe: id,
          key: text,
          value: { type: 'string', maxLength: 4096 },
          port: { type: 'integer', minimum: 0, maximum: 65535 },
          path: text,
          signature: id,
        },
      },
    },
  },
} as const;

const cover = {
  type: 'object',
  additionalProperties: false,
  required: ['equipment', 'subsidiaries', 'affiliates', 'oem'],
  properties: {
    entity: id,
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    equipment: { anyOf: [{ const: 'any' }, { type: 'array', minItems: 1, items: id }] },
    subsidiaries: { type: 'boolean' },
    affiliates: { type: 'boolean' },
    oem: { type: 'boolean' },
    from: day,
    until: day,
    verified: { type: 'boolean' },
    note: upTo(512),
  },
} as const;

export const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'title',
    'authority',
    'citation',
    'jurisdiction',
    'effective',
    'binds',
    'prohibits',
    'source',
    'verified',
    'reviewed',
    'covers',
    'examples',
    'counterexamples',
  ],
  properties: {
    id,
    title: upTo(512),
    authority: upTo(256),
    citation: upTo(1024),
    jurisdiction: { type: 'string', pattern: '^[a-z]{2}(?:-[a-z]{2})?$' },
    effective: day,
    ends: day,
    binds: text,
    prohibits: text,
    source: { type: 'string', pattern: '^https://[^\\s]+$', maxLength: 1024 },
    verified: { type: 'boolean' },
    unverified: { type: 'array', items: text },
    reviewed: day,
    covers: { type: 'array', items: cover },
    examples: { type: 'array', items: example },
    counterexamples: { type: 'array', minItems: 1, items: example },
  },
} as const;

export const profileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'description', 'rules'],
  properties: {
    id,
    description: text,
    extends: id,
    default: { type: 'boolean' },
    rules: { type: 'array', items: id },
  },
} as const;

export const equipmentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'meaning', 'deviceTypes'],
  properties: { id, meaning: text, deviceTypes: { type: 'array', minItems: 1, items: id } },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const compiled = new Map<object, ValidateFunction>();

/** Checks one YAML entry against a schema; each error names its line. Returns true when valid. */
export function checkShape(schema: object, item: YamlItem, file: YamlFile, problems: Problem[]): boolean {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(item.value)) return true;
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    // A failed oneOf/anyOf repeats its branches' errors; the branch messages say it better.
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') continue;
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
    const extra = e.keyword === 'additionalProperties' ? ` "${String(e.params.additionalProperty)}"` : '';
    const where = path.length > 0 ? `${path.join('.')}: ` : '';
    const message = `${where}${e.message ?? 'is invalid'}${extra}`;
    if (seen.has(message)) continue;
    seen.add(message);
    problems.push({ file: file.display, line: item.lineOf(path), message });
  }
  return false;
}
