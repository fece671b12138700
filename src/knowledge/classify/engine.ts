/**
 * The verdict for one identity under a set of rules (docs/architecture.md §4, verdict meanings):
 * covered   — confidently (≥ 0.8) produced or sold by a covered entity, its subsidiary, or
 *             (where the rule says so) OEM-produced by one, with at least one rule in force;
 * suspect   — a rule in force would reach it, but the identification is not strong enough
 *             (low confidence, an OUI alone, a model-specific badge, an alternative reading);
 * not-covered — identified, and no rule in force reaches it;
 * unknown   — not identified.
 * Pure: the same identity, evidence, date and rules always give the same result.
 */

import type { ClassifyResult, Evidence, Finding, Identity } from '../../contract/types.js';
import { cap } from '../../core/text.js';
import { startOf } from './dates.js';
import { type Link, linksFor } from './links.js';
import type { Cover, EquipmentClasses, Rule } from './model.js';
import { countryOf, type Vocabulary } from './vocabulary.js';

/** The report schema's cap on a finding's basis. */
const MAX_BASIS = 2048;

/** docs/architecture.md §4: "confidently (≥ 0.8)". */
export const COVERED_CONFIDENCE = 0.8;

export interface EngineData {
  readonly vocab: Vocabulary;
  readonly classes: EquipmentClasses;
}

interface Candidate {
  readonly finding: Finding;
  /** Counts toward `covered` (firm link, rule in force). */
  readonly firm: boolean;
  readonly link: Link;
}

const VIA_ALLOWED: Record<Link['via'], (c: Cover) => boolean> = {
  named: () => true,
  subsidiary: (c) => c.subsidiaries,
  'former-subsidiary': (c) => c.subsidiaries,
  oem: (c) => c.oem,
};

/** True when an evidence item is more than a MAC registry lookup (docs/architecture.md §4: an OUI alone is never covered). */
const identifies = (e: Evidence) => e.signature !== undefined && !e.key.startsWith('mac.');

function inScope(cover: Cover, deviceType: string | null, data: EngineData): { ok: boolean; words: string } {
  if (cover.equipment === 'any') return { ok: true, words: '' };
  const types = new Set(cover.equipment.flatMap((e) => data.classes.get(e) ?? [e]));
  if (deviceType === null)
    return {
      ok: true,
      words: `; device type not identified (the rule reaches only ${cover.equipment.join(', ')})`,
    };
  return { ok: types.has(deviceType), words: '' };
}

function coverMatches(cover: Cover, link: Link, vocab: Vocabulary): string | null {
  if (!VIA_ALLOWED[link.via](cover)) return null;
  if (cover.entity !== undefined) return cover.entity === link.entity ? '' : null;
  const country = countryOf(vocab, link.entity);
  return country !== null && country === cover.country ? `; ${link.entity} is based in ${country}` : null;
}

function findingFor(
  rule: Rule,
  identity: Identity,
  links: readonly Link[],
  at: Date,
  data: EngineData,
): Candidate | null {
  if (rule.ends && at >= startOf(rule.ends)) return null;
  let best: Candidate | null = null;
  for (const cover of rule.covers) {
    if (cover.until && at >= startOf(cover.until)) continue;
    const scope = inScope(cover, identity.deviceType, data);
    if (!scope.ok) continue;
    for (const link of links) {
      const matched = coverMatches(cover, link, data.vocab);
      if (matched === null) continue;
      const effective = cover.from && cover.from > rule.effective ? cover.from : rule.effective;
      const inForce = startOf(effective) <= at;
      const extras = [
        matched,
        scope.words,
        cover.verified ? '' : '; this entry of the rule is unverified',
        cover.note ? `; ${cover.note}` : '',
      ].join('');
      const candidate: Candidate = {
        link,
        firm: link.firm && inForce,
        finding: {
          rule: rule.id,
          title: rule.title,
          citation: rule.citation,
          effective,
          basis: `${link.basis}${extras}`,
          status: inForce ? 'applies' : 'upcoming',
          authority: rule.authority,
          source: rule.source,
        },
      };
      if (best === null || rank(candidate) > rank(best)) best = candidate;
    }
  }
  return best;
}

const rank = (c: Candidate) => (c.finding.status === 'applies' ? 2 : 0) + (c.firm ? 1 : 0);

/** Why a reachable device is only suspect, in words a person can act on. */
function doubts(identity: Identity, evidence: readonly Evidence[], link: Link): string[] {
  const out: string[] = [];
  if (link.doubt) out.push(link.doubt);
  if (identity.confidence < COVERED_CONFIDENCE)
    out.push(
      `identification confidence ${identity.confidence.toFixed(2)} is below ${COVERED_CONFIDENCE.toFixed(2)}`,
    );
  if (!evidence.some(identifies))
    out.push('only a MAC address prefix (OUI) points there, and an OUI alone is never enough');
  return out;
}

function alternativeLinks(identity: Identity, at: Date, vocab: Vocabulary): Link[] {
  return (identity.alternatives ?? []).flatMap((alt) => {
    const altIdentity: Identity = {
      ...identity,
      manufacturer: alt.manufacturer,
      brand: null,
      alternatives: [],
    };
    return linksFor(vocab, altIdentity, at).links.map((l) => ({
      ...l,
      firm: false,
      basis: `alternative reading: ${l.basis} (confidence ${alt.confidence.toFixed(2)})`,
      doubt: `the best reading is ${identity.manufacturer ?? 'no maker'}; only an alternative reading points to ${alt.manufacturer}`,
    }));
  });
}

export function classifyWith(
  rules: readonly Rule[],
  data: EngineData,
  identity: Identity,
  evidence: readonly Evidence[],
  at: Date,
): ClassifyResult {
  const identified = identity.manufacturer !== null || identity.brand !== null;
  if (!identified && (identity.alternatives ?? []).length === 0) return { verdict: 'unknown', findings: [] };

  const { links, notes } = linksFor(data.vocab, identity, at);
  const all = [...links, ...alternativeLinks(identity, at, data.vocab)];
  const candidates = rules.flatMap((r) => findingFor(r, identity, all, at, data) ?? []);
  const applying = candidates.filter((c) => c.finding.status === 'applies');
  const confident = identity.confidence >= COVERED_CONFIDENCE && evidence.some(identifies);

  // A finding is never issued without the evidence that led to it (docs/architecture.md §4).
  if (evidence.length === 0) {
    return {
      verdict: applying.length > 0 ? 'suspect' : identified ? 'not-covered' : 'unknown',
      findings: [],
    };
  }
  const covered = confident && applying.some((c) => c.firm);
  const noteText = notes.length > 0 ? `; ${notes.join('; ')}` : '';
  const findings = candidates.map(({ finding, link }) => {
    if (covered || finding.status !== 'applies')
      return { ...finding, basis: cap(`${finding.basis}${noteText}`, MAX_BASIS) };
    const why = doubts(identity, evidence, link);
    return {
      ...finding,
      basis: cap(`${finding.basis}${noteText}; unconfirmed: ${why.join('; ')}`, MAX_BASIS),
    };
  });
  const verdict = covered
    ? 'covered'
    : applying.length > 0
      ? 'suspect'
      : identified
        ? 'not-covered'
        : 'unknown';
  return { verdict, findings };
}
