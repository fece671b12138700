/**
 * Fuses every signature hit on one host into one identity (README.md: the confidence model).
 * Pure: hits in, identity and evidence out.
 */

import type { DeviceType, Evidence, IdentifyResult, Identity, Observation } from '../../contract/types.js';
import { cap } from '../../core/text.js';
import { familyOf, type ModelFamily } from '../signatures/model-families.js';
import type { Vocabulary } from '../signatures/vocabulary.js';
import {
  CONTRADICTION_PENALTY,
  combine,
  round,
  sourceScore,
  WEAK_ONLY_CAP,
  WEIGHT_SCORE,
} from './confidence.js';
import type { Hit } from './match.js';

export interface FuseContext {
  readonly vocab: Vocabulary;
  readonly families: readonly ModelFamily[];
  /** Manufacturer id → parents and former parents, nearest first. */
  readonly ancestors: ReadonlyMap<string, readonly string[]>;
}

/** A field read by an info entry still counts for fields, just below any vendor signal. */
const INFO_FIELD_SCORE = 0.2;
const MODEL_FAMILY_SCORE = WEIGHT_SCORE.medium;
const EVIDENCE_VALUE_CHARS = 1024;

interface Cluster {
  readonly members: Map<string, Hit[]>;
  readonly hits: Hit[];
  score: number;
}

export function fuse(
  observations: readonly Observation[],
  hits: readonly Hit[],
  ctx: FuseContext,
): IdentifyResult {
  const claims = new Map<Hit, string>();
  for (const h of hits) {
    if (h.signature.weight === 'info') continue;
    const maker = h.extraction.manufacturer ?? brandMaker(ctx.vocab, h.extraction.brand);
    if (maker !== null) claims.set(h, maker);
  }

  const clusters = clusterClaims(claims, ctx);
  for (const c of clusters) c.score = scoreHits(c.hits);
  clusters.sort(
    (a, b) => b.score - a.score || b.hits.length - a.hits.length || firstKey(a).localeCompare(firstKey(b)),
  );
  const winner = clusters[0] ?? null;
  const others = clusters.slice(1);
  const manufacturer = winner === null ? null : pickMember(winner, ctx);
  const inWinner = (h: Hit) => winner?.hits.includes(h) ?? false;
  const usable = hits.filter((h) => inWinner(h) || !claims.has(h));

  const brand = pickBrand(usable, manufacturer, ctx);
  const model = pickField(usable, 'model');
  const deviceType = pickDeviceType(usable, manufacturer, model?.value ?? null, ctx);
  const identity: Identity = {
    manufacturer,
    brand,
    deviceType,
    model: model?.value ?? null,
    firmware: pickField(usable, 'firmware')?.value ?? null,
    serial: pickField(usable, 'serial')?.value ?? null,
    confidence:
      winner === null ? 0 : round(winner.score * (1 - CONTRADICTION_PENALTY * (others[0]?.score ?? 0))),
    ...(others.length > 0
      ? {
          alternatives: others.map((c) => ({ manufacturer: pickMember(c, ctx), confidence: round(c.score) })),
        }
      : {}),
  };
  const ordered = [...hits].sort((a, b) => rank(b, inWinner(b)) - rank(a, inWinner(a)));
  return { identity, evidence: evidenceOf(ordered, observations) };
}

/** A badge alone names its maker only when the brand is that maker's own, for every model. */
export function brandMaker(vocab: Vocabulary, brandId: string | null): string | null {
  if (brandId === null) return null;
  const makers = (vocab.brands.get(brandId)?.makers ?? []).filter(
    (m) =>
      (m.relation === 'own-brand' || m.relation === 'subsidiary') && !m.modelSpecific && m.until === null,
  );
  const ids = new Set(makers.map((m) => m.manufacturer));
  return ids.size === 1 ? [...ids][0]! : null;
}

function related(a: string, b: string, ctx: FuseContext): boolean {
  return a === b || (ctx.ancestors.get(a) ?? []).includes(b) || (ctx.ancestors.get(b) ?? []).includes(a);
}

/** Makers in one ownership line (EZVIZ and Hikvision, Lorex and Dahua) support each other. */
function clusterClaims(claims: ReadonlyMap<Hit, string>, ctx: FuseContext): Cluster[] {
  const clusters: Cluster[] = [];
  for (const [hit, maker] of claims) {
    const joined = clusters.filter((c) => [...c.members.keys()].some((m) => related(m, maker, ctx)));
    let target = joined[0];
    if (target === undefined) {
      target = { members: new Map(), hits: [], score: 0 };
      clusters.push(target);
    }
    for (const extra of joined.slice(1)) {
      for (const [m, hs] of extra.members) target.members.set(m, [...(target.members.get(m) ?? []), ...hs]);
      target.hits.push(...extra.hits);
      clusters.splice(clusters.indexOf(extra), 1);
    }
    target.members.set(maker, [...(target.members.get(maker) ?? []), hit]);
    target.hits.push(hit);
  }
  return clusters;
}

function scoreHits(hits: readonly Hit[]): number {
  const bySource = new Map<string, number[]>();
  let firm = false;
  for (const h of hits) {
    const source = h.observation.key.split('.', 1)[0]!;
    bySource.set(source, [...(bySource.get(source) ?? []), WEIGHT_SCORE[h.signature.weight]]);
    if (h.signature.weight === 'strong' || h.signature.weight === 'medium') firm = true;
  }
  const score = combine([...bySource.values()].map(sourceScore));
  return firm ? score : Math.min(score, WEAK_ONLY_CAP);
}

/** The member with the most direct support; on a tie the more specific company (EZVIZ over Hikvision). */
function pickMember(c: Cluster, ctx: FuseContext): string {
  const ranked = [...c.members].map(([m, hs]) => ({
    m,
    s: scoreHits(hs),
    depth: ctx.ancestors.get(m)?.length ?? 0,
  }));
  ranked.sort((a, b) => b.s - a.s || b.depth - a.depth || a.m.localeCompare(b.m));
  return ranked[0]!.m;
}

function firstKey(c: Cluster): string {
  return [...c.members.keys()].sort()[0] ?? '';
}

function fieldScore(h: Hit): number {
  return h.signature.weight === 'info' ? INFO_FIELD_SCORE : WEIGHT_SCORE[h.signature.weight];
}

function rank(h: Hit, winning: boolean): number {
  return (winning ? 10 : 0) + fieldScore(h) + h.signature.priority / 1000;
}

function pickField(
  hits: readonly Hit[],
  field: 'model' | 'firmware' | 'serial',
): { value: string; hit: Hit } | null {
  let best: { value: string; hit: Hit } | null = null;
  for (const h of hits) {
    const value = h.extraction[field];
    if (value === null) continue;
    if (best === null || rank(h, false) > rank(best.hit, false)) best = { value: cap(value, 256), hit: h };
  }
  return best;
}

function pickBrand(hits: readonly Hit[], manufacturer: string | null, ctx: FuseContext): string | null {
  let best: Hit | null = null;
  for (const h of hits) {
    const b = h.extraction.brand;
    if (b === null || b === manufacturer) continue;
    // A badge that no maker in this identity's line ever sold is a contradiction, not a brand.
    const makers = ctx.vocab.brands.get(b)?.makers ?? [];
    if (manufacturer !== null && !makers.some((m) => related(m.manufacturer, manufacturer, ctx))) continue;
    if (best === null || rank(h, false) > rank(best, false)) best = h;
  }
  return best?.extraction.brand ?? null;
}

function pickDeviceType(
  hits: readonly Hit[],
  manufacturer: string | null,
  model: string | null,
  ctx: FuseContext,
): DeviceType | null {
  const votes = new Map<DeviceType, number>();
  const vote = (t: DeviceType, s: number) => votes.set(t, Math.max(votes.get(t) ?? 0, s));
  for (const h of hits) if (h.extraction.deviceType !== null) vote(h.extraction.deviceType, fieldScore(h));
  if (manufacturer !== null && model !== null) {
    const family = familyOf(ctx.families, [manufacturer, ...(ctx.ancestors.get(manufacturer) ?? [])], model);
    if (family !== null) vote(family.deviceType, MODEL_FAMILY_SCORE);
  }
  let best: DeviceType | null = null;
  // Vocabulary order breaks ties: device-types.yaml lists the more specific types first.
  for (const t of ctx.vocab.deviceTypes) {
    const s = votes.get(t);
    if (s !== undefined && (best === null || s > (votes.get(best) ?? 0))) best = t;
  }
  return best;
}

function evidenceOf(hits: readonly Hit[], observations: readonly Observation[]): Evidence[] {
  const out: Evidence[] = [];
  const seen = new Set<string>();
  const add = (o: Observation, signature?: string) => {
    const id = JSON.stringify([o.key, o.value, o.port, o.path, signature]);
    if (seen.has(id)) return;
    seen.add(id);
    out.push({
      probe: o.probe,
      key: o.key,
      value: cap(o.value, EVIDENCE_VALUE_CHARS),
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.path !== undefined ? { path: o.path } : {}),
      ...(signature !== undefined ? { signature } : {}),
    });
  };
  for (const h of hits) add(h.observation, h.signature.id);
  // The MAC is shown even without a signature: it is how a person finds the box.
  for (const o of observations) if (o.key === 'mac.address') add(o);
  return out;
}
