/**
 * `camsweep.report/v1`: the report's JSON Schema (draft 2020-12) and its TypeScript types, from
 * ONE definition. Each schema below is a TypeBox value: it is plain JSON Schema at run time (ajv
 * compiles it; the collector validates what it receives against the same object) and its
 * `Static` type is the TypeScript shape the agent builds, so the two cannot drift apart.
 * Device-supplied strings are capped here too: a report is refused rather than stored with a
 * megabyte banner.
 *
 * To add a field: add it to the object below as `Type.Optional(...)` (old reports stay valid,
 * old collectors refuse nothing they accepted before once they are upgraded first), and the type
 * follows by inference.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type Static, type TSchema, Type } from 'typebox';
import { addFormats } from './ajv-formats.js';
import {
  type BlindSpotSchema,
  CoverageSchema,
  LocationSchema,
  type SubnetCoverageSchema,
  type SwitchCoverageSchema,
} from './coverage-schema.js';
import { checkReportBounds, REPORT_MAX_DEVICES } from './report-bounds.js';
import { DEVICE_TYPES, type DeviceType } from './vocabulary.js';

export { DEVICE_TYPES, type DeviceType };

/** A string property capped at `maxLength` characters. */
const str = (maxLength = 4096) => Type.String({ maxLength });
/** `string | null` as a single `type: [..]` keyword, so ajv reports one error, not an anyOf. */
const nullableStr = (maxLength = 1024) => Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength });
const ipv4 = Type.String({ format: 'ipv4' });
const port = Type.Integer({ minimum: 0, maximum: 65535 });
const isoTime = Type.String({ format: 'date-time' });
const count = Type.Integer({ minimum: 0 });
const VOCAB_ID_PATTERN = '^[a-z0-9][a-z0-9-]*$';
/** A vocabulary id (manufacturer, brand, device type) or null. */
const vocabId = Type.Unsafe<string | null>({
  type: ['string', 'null'],
  pattern: VOCAB_ID_PATTERN,
  maxLength: 64,
});
/** `Type.Object` that refuses unknown properties: the report is a contract, not a bag. */
const closed = <P extends Parameters<typeof Type.Object>[0]>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

export const REPORT_SCHEMA_ID = 'camsweep.report/v1' as const;

export const VerdictSchema = Type.Enum(['covered', 'suspect', 'not-covered', 'unknown']);

/** The closed list lives in signatures/vocabulary/device-types.yaml (see vocabulary.ts). */
const deviceType = Type.Unsafe<DeviceType | null>({ enum: [...DEVICE_TYPES, null] });

/** One fact a probe saw about one host. Values are device-supplied: treat as hostile. */
export const ObservationSchema = closed({
  /** IPv4 address the fact is about (the device, not necessarily the UDP source). */
  host: ipv4,
  /** A key from the observation-key registry. */
  key: str(256),
  /** The value as sent, capped in size by the runner. */
  value: str(65536),
  port: Type.Optional(port),
  path: Type.Optional(str(1024)),
  /** Probe id that produced it. */
  probe: str(32),
  /** ISO-8601 time it was seen. */
  at: isoTime,
  /** Local interface the reply arrived on, when the probe knows it. */
  iface: Type.Optional(str(64)),
});

export const IdentitySchema = closed({
  /** Canonical lower-case manufacturer id from signatures/vocabulary, or null. */
  manufacturer: vocabId,
  /** Canonical brand id when the badge differs from the maker (annke on a hikvision unit). */
  brand: vocabId,
  deviceType,
  model: nullableStr(256),
  firmware: nullableStr(256),
  serial: nullableStr(256),
  /** 0..1, calibrated: a single weak signal stays below the covered threshold. */
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  /** Other makers some evidence pointed to; kept so a person sees contradictions. */
  alternatives: Type.Optional(
    Type.Array(
      closed({
        manufacturer: Type.String({ pattern: VOCAB_ID_PATTERN, maxLength: 64 }),
        confidence: Type.Number({ minimum: 0, maximum: 1 }),
      }),
      { maxItems: 16 },
    ),
  ),
});

/** An observation that contributed to a conclusion, with the signature that read it. */
export const EvidenceSchema = closed({
  probe: str(32),
  key: str(256),
  value: str(8192),
  port: Type.Optional(port),
  path: Type.Optional(str(1024)),
  /** Signature id; absent only for facts shown without a match (e.g. a bare MAC). */
  signature: Type.Optional(str(128)),
});

export const FindingSchema = closed({
  /** Rule id from signatures/rules. */
  rule: str(64),
  title: str(512),
  citation: str(1024),
  /** ISO date the rule took effect. */
  effective: Type.String({ format: 'date' }),
  /** Why it applies, e.g. "manufacturer hikvision; brand annke is OEM-produced by hikvision". */
  basis: str(2048),
  /** `applies` now, or `upcoming` when the rule is not yet in force on the scan date. */
  status: Type.Optional(Type.Enum(['applies', 'upcoming'])),
  authority: Type.Optional(str(256)),
  source: Type.Optional(str(1024)),
});

/**
 * A published, known vulnerability whose affected firmware range contains the firmware string
 * this device already reported (signatures/advisories). Found by comparison only: nothing is sent
 * to a device to test it. Kept apart from the sanctions verdict, which it never changes.
 */
export const RiskSchema = closed({
  /** Advisory id from signatures/advisories. */
  advisory: str(64),
  cve: Type.String({ pattern: '^CVE-\\d{4}-\\d{4,7}$' }),
  title: str(512),
  /** Listed in CISA's Known Exploited Vulnerabilities catalogue. */
  kev: Type.Boolean(),
  /** `possible` when the range is broader than the vendor's per-model list. */
  certainty: Type.Enum(['affected', 'possible']),
  /** The vendor's fixed version, in words. */
  fixed: str(1024),
  /** Why it matched, e.g. "firmware V5.4.0 build 160530: version 5.4.0 within 5.2.0 – 5.4.0; …". */
  basis: str(2048),
  source: str(1024),
});

export const DeviceSchema = closed({
  ip: ipv4,
  mac: Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' }),
  hostnames: Type.Array(str(255), { maxItems: 32 }),
  identity: IdentitySchema,
  verdict: VerdictSchema,
  findings: Type.Array(FindingSchema, { maxItems: 64 }),
  evidence: Type.Array(EvidenceSchema, { maxItems: 512 }),
  /** Firmware risk findings; absent in reports from older agents and when nothing matched. */
  risks: Type.Optional(Type.Array(RiskSchema, { maxItems: 64 })),
  /** Every observation of this host, so nothing scanned is dropped and explain can trace. */
  observations: Type.Optional(Type.Array(ObservationSchema, { maxItems: 4096 })),
  /** Where the device is plugged in, from a switch's forwarding table (issue 12). */
  location: Type.Optional(LocationSchema),
});

/** `deadline`: the probe's own deadline; `scan-deadline`: the whole scan's; `abort`: the user. */
export const CutShortReasonSchema = Type.Enum(['deadline', 'scan-deadline', 'abort']);
const portList = Type.Array(port, { maxItems: 65536 });
/** A few of the hosts skipped (capped), so a person can check by hand. */
const hostSample = Type.Array(ipv4, { maxItems: 64 });

/** The work a probe never did, as far as it could tell. */
export const SkippedWorkSchema = closed({
  /** Ports not tried on every host they were planned for. */
  ports: Type.Optional(portList),
  /** How many hosts had at least one planned check skipped. */
  hosts: Type.Optional(count),
  hostSample: Type.Optional(hostSample),
  /** Planned attempts (connects, requests) never made. */
  attempts: Type.Optional(count),
  /** Listening time a discovery probe lost to the deadline (replies that may never be heard). */
  listenMs: Type.Optional(count),
});

/** Per-probe outcome, so a failed probe is visible rather than silently missing. */
export const ProbeStatusSchema = closed({
  probe: str(32),
  outcome: Type.Enum(['ok', 'failed', 'aborted', 'skipped']),
  observations: count,
  durationMs: Type.Number({ minimum: 0 }),
  message: Type.Optional(str(1024)),
  /** Why the probe stopped before finishing its work; absent when it finished. */
  cutShort: Type.Optional(CutShortReasonSchema),
  skipped: Type.Optional(SkippedWorkSchema),
});

/**
 * Present whenever some planned work was not done (a deadline or an abort cut it short): which
 * probes, ports and hosts were skipped. A report with this field is always partial.
 */
export const ScanSkippedSchema = closed({
  reasons: Type.Array(CutShortReasonSchema, { maxItems: 3 }),
  /** Probes cut short or never started. */
  probes: Type.Array(str(32), { maxItems: 64 }),
  ports: portList,
  /** Largest host count any one probe skipped (hosts overlap between probes). */
  hosts: count,
  hostSample,
});

/** How live hosts were found, and what that method cannot see. */
export const DiscoveryModeSchema = closed({
  /** `two-phase`: live hosts first, then every port on them; `full`: every port on every address. */
  mode: Type.Enum(['two-phase', 'full']),
  /** Ports phase 1 tried on every address (two-phase only). */
  phase1Ports: Type.Optional(Type.Array(port, { maxItems: 64 })),
  /** Hosts found live (and given the full port list and enrichment). */
  liveHosts: count,
  /** What this mode cannot see, in words. */
  blindSpots: str(1024),
});

export const ReportSummarySchema = closed({
  hosts: count,
  devices: count,
  covered: count,
  suspect: count,
  notCovered: count,
  unknown: count,
});

export const ScanSchema = closed({
  startedAt: isoTime,
  finishedAt: isoTime,
  targets: Type.Array(str(64), { maxItems: 4096 }),
  probes: Type.Array(str(32), { maxItems: 64 }),
  rulesVersion: str(64),
  /** Newest `reviewed` date of the rule data (YYYY-MM-DD): how current the rules are. */
  rulesAsOf: Type.Optional(Type.String({ format: 'date' })),
  /** Probe rate limit the scan ran under (packets per second), for the attestation's method. */
  rate: Type.Optional(Type.Number({ minimum: 0 })),
  /** Addresses the configuration said never to touch. */
  exclusions: Type.Optional(Type.Array(str(64), { maxItems: 4096 })),
  profile: Type.Optional(str(64)),
  /** True when the scan was cut short (Ctrl-C, SIGTERM, deadline): the report is partial. */
  partial: Type.Optional(Type.Boolean()),
  probeStatus: Type.Optional(Type.Array(ProbeStatusSchema, { maxItems: 64 })),
  skipped: Type.Optional(ScanSkippedSchema),
  discovery: Type.Optional(DiscoveryModeSchema),
});

export const ReportSchema = Type.Object(
  {
    // A bare `const` (no `type` beside it), so a wrong value yields exactly one error.
    schema: Type.Unsafe<typeof REPORT_SCHEMA_ID>({ const: REPORT_SCHEMA_ID }),
    reportId: Type.String({ format: 'uuid' }),
    agent: closed({ id: str(128), site: str(128), version: str(64) }),
    scan: ScanSchema,
    summary: ReportSummarySchema,
    devices: Type.Array(DeviceSchema, { maxItems: REPORT_MAX_DEVICES }),
    /** What the scan reached and what it could not (issue 12); absent from older agents. */
    coverage: Type.Optional(CoverageSchema),
  },
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://camsweep.invalid/schema/report-v1.json',
    title: REPORT_SCHEMA_ID,
    additionalProperties: false,
  },
);

/** The schema as plain JSON Schema (what `report-v1.json` consumers and ajv see). */
export const reportSchema: TSchema = ReportSchema;

/** A report as the agent writes it; read-only all the way down. */
type Frozen<T> = T extends readonly (infer E)[]
  ? readonly Frozen<E>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

export type Report = Frozen<Static<typeof ReportSchema>>;
export type Device = Frozen<Static<typeof DeviceSchema>>;
export type Identity = Frozen<Static<typeof IdentitySchema>>;
export type Evidence = Frozen<Static<typeof EvidenceSchema>>;
export type Finding = Frozen<Static<typeof FindingSchema>>;
export type Observation = Frozen<Static<typeof ObservationSchema>>;
export type ProbeStatus = Frozen<Static<typeof ProbeStatusSchema>>;
export type CutShortReason = Static<typeof CutShortReasonSchema>;
export type SkippedWork = Frozen<Static<typeof SkippedWorkSchema>>;
export type ScanSkipped = Frozen<Static<typeof ScanSkippedSchema>>;
export type DiscoveryMode = Frozen<Static<typeof DiscoveryModeSchema>>;
export type ReportSummary = Frozen<Static<typeof ReportSummarySchema>>;
export type Risk = Frozen<Static<typeof RiskSchema>>;
export type Verdict = Static<typeof VerdictSchema>;
export type DeviceLocation = Frozen<Static<typeof LocationSchema>>;
export type Coverage = Frozen<Static<typeof CoverageSchema>>;
export type SubnetCoverage = Frozen<Static<typeof SubnetCoverageSchema>>;
export type SwitchCoverage = Frozen<Static<typeof SwitchCoverageSchema>>;
export type BlindSpot = Frozen<Static<typeof BlindSpotSchema>>;

export interface SchemaProblem {
  /** JSON pointer of the offending field, e.g. `/devices/0/ip`. */
  readonly field: string;
  readonly message: string;
}

// allErrors off: validation stops at the first problem, so its work is bounded by the input
// (issue 14: with allErrors a million bad items were each checked and reported).
// Compiled on first use: a scan needs it only once its report exists, so the compiled
// validator does not sit in memory while the probes run.
let compiled: ReturnType<Ajv2020['compile']> | null = null;
function validator(): ReturnType<Ajv2020['compile']> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    addFormats(ajv);
    compiled = ajv.compile<Report>(ReportSchema);
  }
  return compiled;
}

/** Validates a report; returns the problems (empty when valid). */
export function checkReport(candidate: unknown): SchemaProblem[] {
  const tooLong = checkReportBounds(candidate);
  if (tooLong) return [tooLong];
  const validate = validator();
  if (validate(candidate)) return [];
  return (validate.errors ?? []).slice(0, 20).map((e) => ({
    field: e.instancePath || '/',
    message: e.message ?? 'is invalid',
  }));
}

export function isReport(candidate: unknown): candidate is Report {
  return checkReportBounds(candidate) === null && (validator()(candidate) as boolean);
}
