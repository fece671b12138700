/**
 * Types and helpers shared by the strict (undici) and lenient (node:http) paths of the http
 * probe's client.
 */
import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { redecodeLatin1 } from './codec.js';

export interface HttpTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; duplicate headers keep one entry each, in arrival order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  /** The body was longer than the cap and was cut there. */
  readonly truncated: boolean;
  /** Set when only the lenient parser could read the response: the quirk's name. */
  readonly lenient: string | null;
}

export type FailureReason =
  | 'timeout'
  | 'refused'
  | 'reset'
  | 'unreachable'
  | 'tls'
  | 'malformed'
  | 'aborted'
  | 'error';

export interface HttpFailure {
  readonly ok: false;
  readonly reason: FailureReason;
  /** Our own error code or name, never device bytes. */
  readonly detail: string;
}

export type HttpOutcome = { readonly ok: true; readonly response: HttpResponse } | HttpFailure;

export interface ClientOptions {
  /** Whole-request budget (connect + headers + body), ms. */
  readonly timeoutMs: number;
  /** Most body bytes kept; the connection is dropped after this many. */
  readonly bodyCapBytes: number;
  readonly userAgent: string;
}

/** TLS settings that let Node talk to old camera firmware (verified in docs/protocols.md §5.4). */
export const LEGACY_TLS: ConnectionOptions = Object.freeze({
  rejectUnauthorized: false,
  minVersion: 'TLSv1',
  ciphers: 'DEFAULT:@SECLEVEL=0',
});

/**
 * Reads at most `cap` bytes, then drops the stream (and with it the connection). A stream
 * that fails or is aborted midway (slow drip cut by the budget, garbage after the body)
 * still yields what arrived, marked truncated: the headers and first bytes are the fingerprint.
 */
export async function readCapped(
  stream: Readable,
  cap: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      if (size + buf.length > cap) {
        chunks.push(buf.subarray(0, cap - size));
        size = cap;
        truncated = true;
        break;
      }
      chunks.push(buf);
      size += buf.length;
    }
  } catch {
    truncated = true;
  }
  if (truncated) stream.destroy();
  return { body: Buffer.concat(chunks, size), truncated };
}

/** Header object (values string or string[]) to ordered pairs, UTF-8 re-decoded. */
export function flatten(headers: Record<string, string | string[] | undefined>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name.toLowerCase(), redecodeLatin1(v)]);
  }
  return out;
}

/** Maps a request failure to a reason; the detail is our own error text, never device bytes. */
export function classify(err: unknown, signal: AbortSignal, budget: AbortSignal): HttpFailure {
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = e?.code ?? '';
  const fail = (reason: FailureReason): HttpFailure => ({
    ok: false,
    reason,
    detail: code || (e?.name ?? 'error'),
  });
  if (signal.aborted) return fail('aborted');
  if (budget.aborted || /TIMEOUT/.test(code) || e?.name === 'TimeoutError') return fail('timeout');
  if (code === 'ECONNREFUSED') return fail('refused');
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    return fail('reset');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') return fail('unreachable');
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || code.startsWith('ERR_TLS')) return fail('tls');
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_INFO')
    return fail('malformed');
  return fail('error');
}

/** Every value of one (lower-case) header, in arrival order. */
export function headerValues(response: HttpResponse, name: string): string[] {
  return response.headers.filter(([n]) => n === name).map(([, v]) => v);
}
