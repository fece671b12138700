/** The firmware advisory data (signatures/advisories/*.yaml) once loaded and checked. */
import type { DeviceType } from '../../contract/types.js';

/** One affected range. Every constraint given must hold; a constraint the firmware string cannot answer (no version, no build date) does not match. */
export interface AffectedRange {
  /** Anchored-by-author regular expression on the identified model; absent = any model. */
  readonly models?: RegExp;
  readonly modelsText?: string;
  readonly deviceTypes?: readonly DeviceType[];
  readonly versionFrom?: string;
  readonly versionThrough?: string;
  readonly versionBefore?: string;
  /** YYYY-MM-DD, inclusive. */
  readonly buildFrom?: string;
  readonly buildThrough?: string;
  /** YYYY-MM-DD, exclusive: builds on this day or later are fixed. */
  readonly buildBefore?: string;
  /** `possible` when the vendor's list was not modelled model by model; the finding says so. */
  readonly certainty: 'affected' | 'possible';
}

export interface AdvisoryExample {
  readonly note: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly deviceType: DeviceType | null;
  readonly line: number;
}

export interface Advisory {
  readonly id: string;
  readonly cve: string;
  readonly title: string;
  readonly manufacturers: readonly string[];
  readonly kev: boolean;
  readonly kevAdded?: string;
  readonly advisory: string;
  readonly source: string;
  readonly fixed: string;
  readonly verified: boolean;
  readonly unverified: readonly string[];
  readonly reviewed: string;
  readonly affected: readonly AffectedRange[];
  readonly examples: readonly AdvisoryExample[];
  readonly counterexamples: readonly AdvisoryExample[];
  readonly file: string;
  readonly line: number;
}
