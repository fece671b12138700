/**
 * The shapes of signatures/rules/*.yaml and profiles.yaml after loading. The YAML is the source
 * of truth; these types and rule-schema.ts describe it once so the engine, `camsweep verify`
 * and `camsweep explain` read the same thing.
 */
import type { Evidence, Identity, Verdict } from '../../contract/types.js';

/** How a device links to a covered entity; a rule says which of these it reaches. */
export type LinkVia = 'named' | 'subsidiary' | 'former-subsidiary' | 'oem';

/** One covered-entity entry of a rule: an entity id, or every maker from one country. */
export interface Cover {
  /** Manufacturer id from signatures/vocabulary/manufacturers.yaml. */
  readonly entity?: string;
  /** ISO 3166 alpha-2: every maker based there (UK WMS "companies subject to the PRC NIL"). */
  readonly country?: string;
  /** Equipment classes or device-type ids the entry reaches; `any` when the rule has no scope. */
  readonly equipment: 'any' | readonly string[];
  readonly subsidiaries: boolean;
  readonly affiliates: boolean;
  /** Equipment OEM-produced by the entity and sold under another badge. */
  readonly oem: boolean;
  /** ISO date the entity was added, when later than the rule itself. */
  readonly from?: string;
  /** ISO date the entity was removed. */
  readonly until?: string;
  /** false when docs/regulations.md marks this entry [S] or [M]. */
  readonly verified: boolean;
  /** Appended to a finding's basis (e.g. a scope caveat a person must see). */
  readonly note?: string;
}

export interface RuleExample {
  readonly note: string;
  readonly identity: Identity;
  readonly evidence: readonly Evidence[];
  /** ISO date the example is judged on; the rule's `reviewed` date when absent. */
  readonly at?: string;
  /** Expected verdict under this rule alone (examples only; default covered). */
  readonly verdict?: Verdict;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly authority: string;
  readonly citation: string;
  readonly jurisdiction: string;
  readonly effective: string;
  readonly ends?: string;
  readonly binds: string;
  readonly prohibits: string;
  readonly source: string;
  readonly verified: boolean;
  /** Facts docs/regulations.md marks [S]/[M], in words, so they stay visible in the data. */
  readonly unverified: readonly string[];
  /** Date the entry was last checked against docs/regulations.md. */
  readonly reviewed: string;
  readonly covers: readonly Cover[];
  readonly examples: readonly RuleExample[];
  readonly counterexamples: readonly RuleExample[];
  /** Path of the YAML file it came from, for verify and explain. */
  readonly file: string;
}

export interface Profile {
  readonly id: string;
  readonly description: string;
  readonly extends?: string;
  readonly rules: readonly string[];
  readonly default?: boolean;
}

/** Device-type ids per equipment class (signatures/rules/equipment.yaml). */
export type EquipmentClasses = ReadonlyMap<string, readonly string[]>;
