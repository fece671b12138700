/**
 * Reads a fixture's answer file for a simulator. Answer files are re-typed real captures
 * (docs/protocols.md) in which the per-lab facts are placeholders, so one file serves every lab
 * address: `{{ip}}`, `{{mac}}` (58:50:ed:1f:e3:85), `{{macDash}}` (58-50-ed-1f-e3-85),
 * `{{macHex}}` (5850ed1fe385), `{{macHexUpper}}` (5850ED1FE385), plus any `extra` a sim passes
 * (e.g. `{{relatesTo}}` for a WS-Discovery reply). Unknown placeholders are left as they are,
 * so a typo shows up in the scanner's output instead of vanishing.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { SimContext } from './types.js';

/** Largest answer file a sim will load; real replies are a few KB (docs/protocols.md §2.3). */
export const MAX_ANSWER_BYTES = 1 << 20;

export function answerPath(ctx: Pick<SimContext, 'fixtureDir'>, file: string): string {
  const full = resolve(ctx.fixtureDir, file);
  const rel = relative(ctx.fixtureDir, full);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`answer file "${file}" is outside the fixture folder ${ctx.fixtureDir}`);
  }
  return full;
}

export function readAnswerBytes(ctx: Pick<SimContext, 'fixtureDir'>, file: string): Buffer {
  const data = readFileSync(answerPath(ctx, file));
  if (data.length > MAX_ANSWER_BYTES)
    throw new Error(`answer file "${file}" is over ${MAX_ANSWER_BYTES} bytes`);
  return data;
}

export function fillPlaceholders(
  text: string,
  ctx: Pick<SimContext, 'ip' | 'mac'>,
  extra: Readonly<Record<string, string>> = {},
): string {
  const hex = ctx.mac.replace(/[^0-9a-f]/gi, '').toLowerCase();
  const vars: Record<string, string> = {
    ip: ctx.ip,
    mac: ctx.mac,
    macDash: ctx.mac.replaceAll(':', '-'),
    macHex: hex,
    macHexUpper: hex.toUpperCase(),
    ...extra,
  };
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** An answer file as UTF-8 text with placeholders filled. */
export function readAnswer(
  ctx: Pick<SimContext, 'fixtureDir' | 'ip' | 'mac'>,
  file: string,
  extra: Readonly<Record<string, string>> = {},
): string {
  return fillPlaceholders(readAnswerBytes(ctx, file).toString('utf8'), ctx, extra);
}
