/** JSON Schema of one advisory entry (signatures/advisories/*.yaml). Shape only; load.ts checks ids, dates and regexes. */
const id = { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 64 } as const;
const day = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const dotted = { type: 'string', pattern: '^\\d{1,6}(?:\\.\\d{1,9}){1,5}$' } as const;
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
const nullableText = { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'null' }] } as const;

const example = {
  type: 'object',
  additionalProperties: false,
  required: ['note', 'manufacturer', 'firmware'],
  properties: {
    note: text(512),
    manufacturer: { anyOf: [id, { type: 'null' }] },
    model: nullableText,
    firmware: nullableText,
    deviceType: { anyOf: [id, { type: 'null' }] },
  },
} as const;

const range = {
  type: 'object',
  additionalProperties: false,
  properties: {
    models: text(256),
    deviceTypes: { type: 'array', minItems: 1, items: id },
    versionFrom: dotted,
    versionThrough: dotted,
    versionBefore: dotted,
    buildFrom: day,
    buildThrough: day,
    buildBefore: day,
    certainty: { enum: ['affected', 'possible'] },
  },
} as const;

export const advisorySchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'cve',
    'title',
    'manufacturers',
    'kev',
    'advisory',
    'source',
    'fixed',
    'verified',
    'reviewed',
    'affected',
    'examples',
    'counterexamples',
  ],
  properties: {
    id,
    cve: { type: 'string', pattern: '^CVE-\\d{4}-\\d{4,7}$' },
    title: text(512),
    manufacturers: { type: 'array', minItems: 1, items: id },
    kev: { type: 'boolean' },
    kevAdded: day,
    advisory: text(512),
    source: { type: 'string', pattern: '^https://[^\\s]+$', maxLength: 1024 },
    fixed: text(1024),
    verified: { type: 'boolean' },
    unverified: { type: 'array', items: text(2048) },
    reviewed: day,
    affected: { type: 'array', items: range },
    examples: { type: 'array', items: example },
    counterexamples: { type: 'array', minItems: 1, items: example },
  },
} as const;
