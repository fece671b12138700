/**
 * The read API's request and response schemas, as TypeBox values: fastify validates queries and
 * serialises answers with them (fast-json-stringify escapes every device string as JSON and
 * drops any field not listed here), and @fastify/swagger prints the same objects into
 * /api/v1/openapi.json, so the document cannot drift from what the routes do. Finding,
 * evidence, location and coverage come from the report contract (src/contract), the shape
 * agents send them in.
 */
import { type TSchema, Type } from 'typebox';
import { CoverageSchema, LocationSchema } from '../../../contract/coverage-schema.js';
import {
  EvidenceSchema,
  FindingSchema,
  ReportSummarySchema,
  VerdictSchema,
} from '../../../contract/report-schema.js';
import { REMEDIATION_STATES } from '../../store/queries.js';

/** Largest page any list route returns; the default is DEFAULT_PAGE. */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const time = Type.String({ format: 'date-time' });
const text = Type.String();
const id = Type.Integer({ minimum: 1 });
const StateSchema = Type.Enum([...REMEDIATION_STATES]);

// ---- queries -------------------------------------------------------------------------------

const site = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Only this site (a name from /api/v1/sites).',
});
const limit = (max: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: Math.min(DEFAULT_PAGE, max), description: 'Page size.' });
const cursor = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,200}$',
  description: 'The nextCursor of the previous page; absent for the first page.',
});
const changedSince = Type.String({
  format: 'date-time',
  description:
    "Only devices the collector learned something new about at or after this time (by the collector's clock): a report that saw it, or remediation recorded.",
});

export const DeviceQuerySchema = Type.Object(
  {
    site: Type.Optional(site),
    verdict: Type.Optional(VerdictSchema),
    state: Type.Optional(StateSchema),
    changedSince: Type.Optional(changedSince),
    limit: Type.Optional(limit(MAX_PAGE)),
    cursor: Type.Optional(cursor),
  },
  { additionalProperties: false },
);

export const FindingQuerySchema = Type.Object(
  {
    site: Type.Optional(site),
    verdict: Type.Optional(VerdictSchema),
    rule: Type.Optional(
      Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$', description: 'Only this rule id.' }),
    ),
    changedSince: Type.Optional(changedSince),
    limit: Type.Optional(limit(MAX_PAGE)),
    cursor: Type.Optional(cursor),
  },
  { additionalProperties: false },
);

/** Coverage sections can hold thousands of subnets each: smaller pages. */
export const COVERAGE_MAX_PAGE = 50;
export const CoverageQuerySchema = Type.Object(
  {
    site: Type.Optional(site),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only scans received at or after this time.' }),
    ),
    limit: Type.Optional(limit(COVERAGE_MAX_PAGE)),
    cursor: Type.Optional(cursor),
  },
  { additionalProperties: false },
);

export const AuditQuerySchema = Type.Object(
  { limit: Type.Optional(limit(MAX_PAGE)), cursor: Type.Optional(cursor) },
  { additionalProperties: false },
);

export const NoQuerySchema = Type.Object({}, { additionalProperties: false });

export const DeviceParamsSchema = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'Device id.' }),
});

// ---- answers -------------------------------------------------------------------------------

const next = nullable(
  Type.String({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
);

const RemediationSchema = Type.Object({
  state: Type.Enum([...REMEDIATION_STATES], {
    description:
      'As in force now (an exemption past its expiry is open). Meaningful for covered and suspect devices.',
  }),
  approver: nullable(text),
  reason: nullable(text),
  expiresAt: nullable(time),
  updatedAt: nullable(time),
});

const deviceProperties = {
  id,
  site: text,
  ip: text,
  mac: nullable(text),
  serial: nullable(text),
  manufacturer: nullable(Type.String({ description: 'Canonical maker id (signatures/vocabulary).' })),
  brand: nullable(Type.String({ description: 'Badge when it differs from the maker.' })),
  deviceType: nullable(text),
  model: nullable(text),
  firmware: nullable(text),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  verdict: VerdictSchema,
  rules: Type.Array(Type.String(), { description: 'Ids of the rules that apply.' }),
  rulesVersion: text,
  firstSeen: time,
  lastSeen: time,
  remediation: RemediationSchema,
  location: nullable(LocationSchema),
};

export const DeviceSchema = Type.Object(deviceProperties);

export const DeviceListSchema = Type.Object(
  { devices: Type.Array(DeviceSchema), nextCursor: next },
  { description: 'A page of devices.' },
);

export const DeviceDetailSchema = Type.Object(
  {
    ...deviceProperties,
    hostnames: Type.Array(text),
    findings: Type.Array(FindingSchema),
    evidence: Type.Array(EvidenceSchema, {
      description: 'Values exactly as the device sent them: treat as untrusted text.',
    }),
    verdictChanges: Type.Array(Type.Object({ at: time, from: nullable(VerdictSchema), to: VerdictSchema })),
    remediationLog: Type.Array(
      Type.Object({
        state: StateSchema,
        approver: nullable(text),
        reason: nullable(text),
        expiresAt: nullable(time),
        by: text,
        at: time,
      }),
    ),
    seenAfterRemoval: Type.Boolean({ description: 'Marked removed or replaced, yet a later scan saw it.' }),
  },
  { description: 'The device.' },
);

export const FindingItemSchema = Type.Object({
  deviceId: id,
  site: text,
  ip: text,
  mac: nullable(text),
  verdict: VerdictSchema,
  state: StateSchema,
  lastSeen: time,
  ...FindingSchema.properties,
});

export const FindingListSchema = Type.Object(
  { findings: Type.Array(FindingItemSchema), nextCursor: next },
  { description: 'A page of findings.' },
);

export const ScanCoverageSchema = Type.Object({
  id,
  reportId: text,
  site: text,
  agent: text,
  startedAt: time,
  finishedAt: time,
  receivedAt: time,
  rulesVersion: text,
  partial: Type.Boolean(),
  summary: ReportSummarySchema,
  coverage: nullable(CoverageSchema),
});

export const CoverageListSchema = Type.Object(
  { scans: Type.Array(ScanCoverageSchema), nextCursor: next },
  { description: 'A page of scans with their coverage.' },
);

export const SiteSchema = Type.Object({
  name: text,
  counts: Type.Object({
    covered: Type.Integer(),
    suspect: Type.Integer(),
    notCovered: Type.Integer(),
    unknown: Type.Integer(),
  }),
  open: Type.Integer({ description: 'Covered or suspect devices with no remediation in force.' }),
  exempted: Type.Integer(),
  removed: Type.Integer({ description: 'Marked removed or replaced.' }),
  agents: Type.Integer(),
  lastScan: nullable(time),
  rulesVersion: nullable(text),
  latestCoverage: nullable(Type.Object({ at: time, coverage: CoverageSchema })),
});

export const SiteListSchema = Type.Object(
  { sites: Type.Array(SiteSchema) },
  { description: 'The sites in scope.' },
);

export const AuditListSchema = Type.Object(
  {
    entries: Type.Array(
      Type.Object({
        id,
        at: time,
        actor: text,
        source: text,
        action: text,
        target: text,
        site: nullable(text),
        before: nullable(Type.String({ description: 'JSON text.' })),
        after: nullable(Type.String({ description: 'JSON text.' })),
        prevSha256: text,
        sha256: text,
      }),
    ),
    nextCursor: next,
  },
  { description: 'A page of audit entries.' },
);

export const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'What went wrong.' }),
    code: Type.String({ description: 'Stable code (src/collector/routes/errors.ts).' }),
    fix: Type.String({ description: 'What to do about it.' }),
  },
  { additionalProperties: true, description: 'Refused: `code` names why, `fix` what to do.' },
);

/** The refusals every token-checked route may answer, for its `response` map. */
export const REFUSALS = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema } as const;
