/**
 * The data model that flows through camsweep (design.md, "The data flow"):
 * probes → observations → identify → identities → classify → findings → sinks.
 * These shapes are contracts: the report schema (report-schema.json) mirrors them and the
 * collector validates against the same schema.
 */

export const REPORT_SCHEMA_ID = 'camsweep.report/v1' as const;

/** One fact a probe saw about one host. Values are device-supplied: treat as hostile. */
export interface Observation {
  /** IPv4 address the fact is about (the device, not necessarily the UDP source). */
  readonly host: string;
  /** A key from the observation-key registry. */
  readonly key: string;
  /** The value as sent, capped in size by the runner. */
  readonly value: string;
  readonly port?: number;
  readonly path?: string;
  /** Probe id that produced it. */
  readonly probe: string;
  /** ISO-8601 time it was seen. */
  readonly at: string;
  /** Local interface the reply arrived on, when the probe knows it. */
  readonly iface?: string;
}

export type DeviceType =
  | 'camera'
  | 'nvr'
  | 'dvr'
  | 'encoder'
  | 'intercom'
  | 'access-control'
  | 'thermal'
  | 'radio'
  | 'network'
  | 'drone'
  | 'other';

export interface Identity {
  /** Canonical lower-case manufacturer id from signatures/vocabulary, or null. */
  readonly manufacturer: string | null;
  /** Canonical brand id when the badge differs from the maker (annke on a hikvision unit). */
  readonly brand: string | null;
  readonly deviceType: DeviceType | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly serial: string | null;
  /** 0..1, calibrated: a single weak signal stays below the covered threshold. */
  readonly confidence: number;
  /** Other makers some evidence pointed to; kept so a person sees contradictions. */
  readonly alternatives?: readonly { manufacturer: string; confidence: number }[];
}

/** An observation that contributed to a conclusion, with the signature that read it. */
export interface Evidence {
  readonly probe: string;
  readonly key: string;
  readonly value: string;
  readonly port?: number;
  readonly path?: string;
  /** Signature id; absent only for facts shown without a match (e.g. a bare MAC). */
  readonly signature?: string;
}

export type Verdict = 'covered' | 'suspect' | 'not-covered' | 'unknown';

export interface Finding {
  /** Rule id from signatures/rules. */
  readonly rule: string;
  readonly title: string;
  readonly citation: string;
  /** ISO date the rule took effect. */
  readonly effective: string;
  /** Why it applies, e.g. "manufacturer hikvision; brand annke is OEM-produced by hikvision". */
  readonly basis: string;
  /** `applies` now, or `upcoming` when the rule is not yet in force on the scan date. */
  readonly status?: 'applies' | 'upcoming';
  readonly authority?: string;
  readonly source?: string;
}

/**
 * A published, known vulnerability whose affected firmware range contains the firmware string
 * this device already reported. Found by comparison only: nothing is sent to a device to test
 * it. Kept apart from the sanctions verdict, which it never changes.
 */
export interface Risk {
  /** Advisory id from signatures/advisories. */
  readonly advisory: string;
  readonly cve: string;
  readonly title: string;
  /** Listed in CISA's Known Exploited Vulnerabilities catalogue. */
  readonly kev: boolean;
  /** `possible` when the range is broader than the vendor's per-model list. */
  readonly certainty: 'affected' | 'possible';
  /** The vendor's fixed version, in words. */
  readonly fixed: string;
  /** Why it matched, e.g. "firmware V5.4.0 build 160530 is within V5.2.0 … V5.4.0 (build 2014-07-21 … 2016-05-30)". */
  readonly basis: string;
  readonly source: string;
}

export interface Device {
  readonly ip: string;
  readonly mac: string | null;
  readonly hostnames: readonly string[];
  readonly identity: Identity;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly evidence: readonly Evidence[];
  /** Firmware risk findings (signatures/advisories); absent in reports from older agents. */
  readonly risks?: readonly Risk[];
  /** Every observation of this host, so nothing scanned is dropped and explain can trace. */
  readonly observations?: readonly Observation[];
}

export interface ReportSummary {
  readonly hosts: number;
  readonly devices: number;
  readonly covered: number;
  readonly suspect: number;
  readonly notCovered: number;
  readonly unknown: number;
}

export interface Report {
  readonly schema: typeof REPORT_SCHEMA_ID;
  readonly reportId: string;
  readonly agent: { readonly id: string; readonly site: string; readonly version: string };
  readonly scan: {
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly targets: readonly string[];
    readonly probes: readonly string[];
    readonly rulesVersion: string;
    readonly profile?: string;
    /** Newest `reviewed` date of the rule data (YYYY-MM-DD): how current the rules are. */
    readonly rulesAsOf?: string;
    /** Probe rate limit the scan ran under (packets per second), for the attestation's method. */
    readonly rate?: number;
    /** Addresses the configuration said never to touch. */
    readonly exclusions?: readonly string[];
    /** True when the scan was cut short (Ctrl-C, SIGTERM, deadline): the report is partial. */
    readonly partial?: boolean;
    /** Per-probe outcome, so a failed probe is visible rather than silently missing. */
    readonly probeStatus?: readonly ProbeStatus[];
  };
  readonly summary: ReportSummary;
  readonly devices: readonly Device[];
}

export interface ProbeStatus {
  readonly probe: string;
  readonly outcome: 'ok' | 'failed' | 'aborted' | 'skipped';
  readonly observations: number;
  readonly durationMs: number;
  readonly message?: string;
}

/** What the identify stage returns for one host. */
export interface IdentifyResult {
  readonly identity: Identity;
  readonly evidence: readonly Evidence[];
}

/** What the classify stage returns for one identity. */
export interface ClassifyResult {
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
}

export const UNKNOWN_IDENTITY: Identity = Object.freeze({
  manufacturer: null,
  brand: null,
  deviceType: null,
  model: null,
  firmware: null,
  serial: null,
  confidence: 0,
});
