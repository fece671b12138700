/**
 * Saved observations for `camsweep identify`: JSON lines `{"host","key","value"}` with optional
 * `port`, `path`, `probe`, `at` (docs/architecture.md §1). Input is untrusted: lines are
 * length-capped while reading, and every rejected line says why.
 */
import { isKnownKey } from '../../contract/observation-keys.js';
import type { Observation } from '../../contract/types.js';
import { MAX_BODY_CHARS, MAX_VALUE_CHARS } from '../../core/text.js';
import { MAX_PEM_CHARS } from './derive/certificate.js';
import { MAX_FAVICON_BASE64_CHARS } from './derive/favicon.js';

/**
 * Longest value kept for a key. Raw material that identify derives from (a PEM certificate, a
 * favicon body) gets room for a whole one: cut short it would derive nothing.
 */
export function valueLimit(key: string): number {
  if (key === 'http.body') return MAX_BODY_CHARS;
  if (key === 'tls.cert.pem') return MAX_PEM_CHARS;
  if (key === 'http.favicon.base64') return MAX_FAVICON_BASE64_CHARS;
  return MAX_VALUE_CHARS;
}

/** Longest accepted input line (a capped http.body, JSON-escaped, fits comfortably). */
export const MAX_LINE_CHARS = 512 * 1024;
const MAX_HOST_CHARS = 255;

export type ParsedLine =
  | { ok: true; observation: Observation }
  | { ok: false; reason: string }
  | { ok: 'blank' };

export function parseObservationLine(text: string): ParsedLine {
  if (text.trim() === '') return { ok: 'blank' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, reason: 'expected a JSON object' };
  const o = raw as Record<string, unknown>;
  if (typeof o.host !== 'string' || o.host === '' || o.host.length > MAX_HOST_CHARS)
    return { ok: false, reason: '"host" must be a non-empty string' };
  if (typeof o.key !== 'string' || !isKnownKey(o.key))
    return {
      ok: false,
      reason: `"key" ${JSON.stringify(String(o.key).slice(0, 60))} is not an observation key (src/contract/observation-keys.ts)`,
    };
  if (typeof o.value !== 'string' && typeof o.value !== 'number')
    return { ok: false, reason: '"value" must be a string or number' };
  if (
    o.port !== undefined &&
    !(Number.isInteger(o.port) && (o.port as number) > 0 && (o.port as number) < 65536)
  )
    return { ok: false, reason: '"port" must be an integer 1..65535' };
  for (const f of ['path', 'probe', 'at'] as const)
    if (o[f] !== undefined && typeof o[f] !== 'string')
      return { ok: false, reason: `"${f}" must be a string` };
  const limit = valueLimit(o.key);
  const value = String(o.value);
  return {
    ok: true,
    observation: {
      host: o.host,
      key: o.key,
      value: value.length > limit ? value.slice(0, limit) : value,
      probe: (o.probe as string | undefined) ?? o.key.split('.', 1)[0]!,
      at: (o.at as string | undefined) ?? '',
      ...(o.port !== undefined ? { port: o.port as number } : {}),
      ...(typeof o.path === 'string' ? { path: o.path.slice(0, 2048) } : {}),
    },
  };
}

/**
 * Splits a stream into lines without ever holding more than MAX_LINE_CHARS of one line; an
 * over-long line is yielded as `tooLong` (its text dropped) so the caller can report it.
 */
export async function* readLines(
  stream: NodeJS.ReadableStream,
): AsyncGenerator<{ text: string; tooLong: boolean }> {
  let buf = '';
  let skipping = false;
  stream.setEncoding?.('utf8');
  for await (const chunk of stream as AsyncIterable<string | Buffer>) {
    let data = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    while (data.length > 0) {
      const nl = data.indexOf('\n');
      const part = nl === -1 ? data : data.slice(0, nl);
      data = nl === -1 ? '' : data.slice(nl + 1);
      if (!skipping) {
        buf += part;
        if (buf.length > MAX_LINE_CHARS) {
          buf = '';
          skipping = true;
        }
      }
      if (nl === -1) break;
      yield skipping ? { text: '', tooLong: true } : { text: buf.replace(/\r$/, ''), tooLong: false };
      buf = '';
      skipping = false;
    }
  }
  if (skipping) yield { text: '', tooLong: true };
  else if (buf !== '') yield { text: buf.replace(/\r$/, ''), tooLong: false };
}
