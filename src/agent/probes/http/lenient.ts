/**
 * The second chance for non-conforming responses: node:http/https with `insecureHTTPParser`,
 * which accepts bare-LF line endings, Content-Length beside Transfer-Encoding and control
 * characters in header values, all of which undici refuses (docs/protocols.md §6.4, verified).
 * Same budget, same body cap, same TLS settings as the main client.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { refineQuirk } from './codec.js';
import { type CertInfo, certInfo } from './tls-cert.js';
import {
  type ClientOptions,
  classify,
  flatten,
  type HttpFailure,
  type HttpResponse,
  type HttpTarget,
  LEGACY_TLS,
  readCapped,
} from './wire.js';

export interface LenientOptions extends ClientOptions {
  readonly signal: AbortSignal;
  /** What the strict parser objected to (quirkName), for `http.lenient`. */
  readonly quirk: string;
}

export type LenientOutcome =
  | { readonly ok: true; readonly response: HttpResponse; readonly cert: CertInfo | null }
  | HttpFailure;

export function lenientRequest(
  target: HttpTarget,
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
  options: LenientOptions,
): Promise<LenientOutcome> {
  const budget = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, budget]);
  const mod = target.tls ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    let responded = false;
    const done = (outcome: LenientOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = mod.request(
      {
        host: target.host,
        port: target.port,
        method,
        path,
        headers:
          body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        insecureHTTPParser: true,
        agent: false,
        signal,
        timeout: options.timeoutMs,
        ...(target.tls ? LEGACY_TLS : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const cert =
          target.tls && typeof socket.getPeerCertificate === 'function'
            ? certInfo(socket.getPeerCertificate())
            : null;
        // Once headers are in, every ending (end, cap, budget, a parse error on trailing bytes)
        // resolves with what arrived; readCapped marks early endings as truncated.
        readCapped(res, options.bodyCapBytes).then(({ body: bytes, truncated }) => {
          req.destroy();
          done({
            ok: true,
            cert,
            response: {
              status: res.statusCode ?? 0,
              headers: pairs(res.rawHeaders),
              body: bytes,
              truncated,
              lenient: refineQuirk(options.quirk, Object.keys(res.headers)),
            },
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('idle timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => {
      // After the response event, errors end the body stream and readCapped settles instead.
      if (!responded) done(classify(err, options.signal, budget));
    });
    req.on('response', () => {
      responded = true;
    });
    req.end(body);
  });
}

/** node:http raw headers (name, value, name, value…) to lower-case pairs. */
function pairs(raw: readonly string[]): Array<[string, string]> {
  // Null prototype: a header named __proto__ must stay an ordinary header.
  const obj: Record<string, string[]> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const list = obj[name] ?? [];
    list.push(raw[i + 1]!);
    obj[name] = list;
  }
  return flatten(obj);
}
