/**
 * The http probe's HTTP(S) client: undici for conforming servers, one lenient retry with
 * node:http's `insecureHTTPParser` for the embedded web servers undici's strict parser refuses
 * (docs/protocols.md §6.4). Network outcomes come back as data (`HttpOutcome`), never as throws.
 *
 * One undici Agent per scan run; keep-alive is off (`reset: true`) because a scan talks to each
 * origin a handful of times and idle sockets to thousands of hosts would only cost file
 * descriptors. TLS accepts self-signed certificates and legacy protocol versions/ciphers
 * because cameras use them (§5.4): this is discovery, not trust, and nothing secret is sent
 * except Digest responses, which do not reveal the password.
 */
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, errors } from 'undici';
import { quirkName } from './codec.js';
import { lenientRequest } from './lenient.js';
import { type CertInfo, certInfo } from './tls-cert.js';
import {
  type ClientOptions,
  classify,
  flatten,
  type HttpOutcome,
  type HttpRequest,
  type HttpTarget,
  LEGACY_TLS,
  readCapped,
} from './wire.js';

export class HttpClient {
  private readonly agent: Agent;
  private readonly certs = new Map<string, CertInfo>();

  constructor(private readonly options: ClientOptions) {
    const base = buildConnector({ ...LEGACY_TLS, timeout: options.timeoutMs });
    // Wrapping the connector is the one place undici exposes the TLS socket (§6.4).
    const connect: buildConnector.connector = (opts, callback) => {
      base(opts, (err, socket) => {
        // URL parsing drops a default port, so 443 arrives as an empty string.
        if (!err && socket && 'getPeerCertificate' in socket)
          this.remember(opts.hostname, Number(opts.port) || 443, socket);
        if (err) callback(err, null);
        else callback(null, socket!);
      });
    };
    this.agent = new Agent({
      connect,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 1,
      pipelining: 0,
    });
  }

  /** The certificate first seen on a TLS port, or null. */
  certificate(target: HttpTarget): CertInfo | null {
    return this.certs.get(`${target.host}:${target.port}`) ?? null;
  }

  async send(target: HttpTarget, req: HttpRequest, signal: AbortSignal): Promise<HttpOutcome> {
    const budget = AbortSignal.timeout(this.options.timeoutMs);
    const combined = AbortSignal.any([signal, budget]);
    const headers = this.headersFor(req);
    try {
      const res = await this.agent.request({
        origin: `${target.tls ? 'https' : 'http'}://${target.host}:${target.port}`,
        path: req.path,
        method: req.method,
        headers,
        body: req.body ?? null,
        signal: combined,
        reset: true,
      });
      const { body, truncated } = await readCapped(res.body, this.options.bodyCapBytes);
      return {
        ok: true,
        response: { status: res.statusCode, headers: flatten(res.headers), body, truncated, lenient: null },
      };
    } catch (err) {
      if (strictParserRefused(err)) {
        if (signal.aborted) return { ok: false, reason: 'aborted', detail: 'scan aborted' };
        const e = err as { code?: string; message?: string };
        const retry = await lenientRequest(target, req.method, req.path, headers, req.body, {
          ...this.options,
          signal,
          quirk: quirkName(e.code, e.message),
        });
        if (retry.ok && retry.cert) this.certs.set(`${target.host}:${target.port}`, retry.cert);
        return retry.ok ? { ok: true, response: retry.response } : retry;
      }
      return classify(err, signal, budget);
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private headersFor(req: HttpRequest): Record<string, string> {
    return { 'user-agent': this.options.userAgent, accept: '*/*', connection: 'close', ...req.headers };
  }

  private remember(host: string, port: number, socket: TLSSocket): void {
    const key = `${host}:${port}`;
    if (this.certs.has(key)) return;
    const info = certInfo(socket.getPeerCertificate());
    if (info) this.certs.set(key, info);
  }
}

/**
 * Errors that mean "the bytes were HTTP-ish but not strict HTTP/1.1": worth one lenient retry.
 * A length mismatch is included because undici reports Content-Length beside
 * Transfer-Encoding that way.
 */
function strictParserRefused(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  return (
    err instanceof errors.HTTPParserError ||
    e?.name === 'HTTPParserError' ||
    e?.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
  );
}
