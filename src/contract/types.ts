/**
 * The data model that flows through camsweep (docs/architecture.md §1):
 * probes → observations → identify → identities → classify → findings → sinks.
 * The report's shapes are inferred from its JSON Schema in report-schema.ts (one definition);
 * this module re-exports them next to the stage results that never leave the process.
 */

export {
  type BlindSpot,
  type Coverage,
  type CutShortReason,
  DEVICE_TYPES,
  type Device,
  type DeviceLocation,
  type DeviceType,
  type DiscoveryMode,
  type Evidence,
  type Finding,
  type Identity,
  type Observation,
  type ProbeStatus,
  REPORT_SCHEMA_ID,
  type Report,
  type ReportSummary,
  type Risk,
  type ScanSkipped,
  type SkippedWork,
  type SubnetCoverage,
  type SwitchCoverage,
  type Verdict,
} from './report-schema.js';

import type { Evidence, Finding, Identity, Verdict } from './report-schema.js';

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
