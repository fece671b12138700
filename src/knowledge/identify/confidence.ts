/**
 * The numbers of the confidence model (explained in README.md beside this file). Kept in one
 * place so calibration changes are one diff and the README can quote them.
 */
import type { Weight } from '../signatures/fingerprints.js';

/** Chance that one signal of this weight names the right maker, read alone. */
export const WEIGHT_SCORE: Readonly<Record<Weight, number>> = {
  strong: 0.85,
  medium: 0.6,
  weak: 0.3,
  info: 0,
};

/** The classify stage calls an identity at or above this "confident" (docs/architecture.md §4, verdicts). */
export const CONFIDENT = 0.8;

/** A second signal from the same protocol is mostly the same fact again: it adds this share. */
export const SAME_SOURCE_SHARE = 0.25;

/** Without one strong or medium signal, piling up weak hints never reaches "confident". */
export const WEAK_ONLY_CAP = 0.6;

/** How much the strongest contradicting maker pulls the winner down (0 = ignore, 1 = cancel). */
export const CONTRADICTION_PENALTY = 0.5;

/** Score of one independent source (one protocol) from its signals' scores. */
export function sourceScore(scores: readonly number[]): number {
  const sorted = [...scores].sort((a, b) => b - a);
  let s = sorted[0] ?? 0;
  for (const next of sorted.slice(1)) s += (1 - s) * SAME_SOURCE_SHARE * next;
  return s;
}

/** Noisy-OR over independent sources: each one alone could be wrong, all wrong together is rarer. */
export function combine(sources: readonly number[]): number {
  let miss = 1;
  for (const s of sources) miss *= 1 - s;
  return 1 - miss;
}

/** Evidence never proves a maker: a spoofed banner is always possible, so stop short of 1. */
export const MAX_CONFIDENCE = 0.99;

export function round(x: number): number {
  return Math.round(Math.min(x, MAX_CONFIDENCE) * 1000) / 1000;
}
