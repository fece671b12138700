/**
 * JSON Schemas of the rule data (signatures/rules/*.yaml, profiles.yaml, equipment.yaml). Shape
 * only: cross-references (vocabulary ids, rule ids in profiles) and dates are checked in
 * load.ts and verify.ts, which know the vocabulary.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { type Static, type TSchema, Type } from 'typebox';
import type { Problem } from '../signatures/problem.js';
import type { YamlFile, YamlItem } from '../signatures/yaml-file.js';

// Each schema is a TypeBox value: plain JSON Schema for ajv at run time, and its `Static` type is
// what load.ts reads after a successful check, so the loader needs no casts.
const id = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 64 });
const text = Type.String({ minLength: 1, maxLength: 2048 });
// Findings copy these into reports, whose schema (src/contract/report-schema.ts) caps them.
const upTo = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const nullableId = Type.Union([id, Type.Null()]);
const nullableText = Type.Union([Type.String({ maxLength: 256 }), Type.Null()]);
const closed = <P extends Parameters<typeof Type.Object>[0]>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

const example = closed({
  note: text,
  at: Type.Optional(day),
  verdict: Type.Optional(Type.Enum(['covered', 'suspect', 'not-covered', 'unknown'])),
  identity: closed({
    manufacturer: Type.Optional(nullableId),
    brand: Type.Optional(nullableId),
    deviceType: Type.Optional(nullableId),
    model: Type.Optional(nullableText),
    firmware: Type.Optional(nullableText),
    serial: Type.Optional(nullableText),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    alternatives: Type.Optional(
      Type.Array(closed({ manufacturer: id, confidence: Type.Number({ minimum: 0, maximum: 1 }) })),
    ),
  }),
  evidence: Type.Optional(
    Type.Array(
      closed({
        probe: id,
        key: text,
        value: Type.String({ maxLength: 4096 }),
        port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        path: Type.Optional(text),
        signature: Type.Optional(id),
      }),
    ),
  ),
});
export type ExampleYaml = Static<typeof example>;

const cover = closed({
  entity: Type.Optional(id),
  country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
  equipment: Type.Union([Type.Literal('any'), Type.Array(id, { minItems: 1 })]),
  subsidiaries: Type.Boolean(),
  affiliates: Type.Boolean(),
  oem: Type.Boolean(),
  from: Type.Optional(day),
  until: Type.Optional(day),
  verified: Type.Optional(Type.Boolean()),
  note: Type.Optional(upTo(512)),
});

export const ruleSchema = closed({
  id,
  title: upTo(512),
  authority: upTo(256),
  citation: upTo(1024),
  jurisdiction: Type.String({ pattern: '^[a-z]{2}(?:-[a-z]{2})?$' }),
  effective: day,
  ends: Type.Optional(day),
  binds: text,
  prohibits: text,
  source: Type.String({ pattern: '^https://[^\\s]+$', maxLength: 1024 }),
  verified: Type.Boolean(),
  unverified: Type.Optional(Type.Array(text)),
  reviewed: day,
  covers: Type.Array(cover),
  examples: Type.Array(example),
  counterexamples: Type.Array(example, { minItems: 1 }),
});

export const profileSchema = closed({
  id,
  description: text,
  extends: Type.Optional(id),
  default: Type.Optional(Type.Boolean()),
  rules: Type.Array(id),
});

export const equipmentSchema = closed({ id, meaning: text, deviceTypes: Type.Array(id, { minItems: 1 }) });

const ajv = new Ajv2020({ allErrors: true, strict: true });
const compiled = new Map<object, ValidateFunction>();

/** A YAML entry whose value passed `schema`. */
export type CheckedItem<S extends TSchema> = YamlItem & { readonly value: Static<S> };

/** Checks one YAML entry against a schema; each error names its line. True when valid. */
export function checkShape<S extends TSchema>(
  schema: S,
  item: YamlItem,
  file: YamlFile,
  problems: Problem[],
): item is CheckedItem<S> {
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
