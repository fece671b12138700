/**
 * One upload of one report to the collector, and the translation of whatever happened into a
 * decision (stored, retry later, fix the token, refused for good) with a sentence an admin can
 * act on. Transport failures are data here, never thrown: the pusher decides what to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { CamsweepError } from '../../core/errors.js';

export type SendResult =
  | { readonly kind: 'stored' | 'duplicate' }
  /** Worth trying again later: collector down, overloaded, network trouble. */
  | { readonly kind: 'retry'; readonly reason: string; readonly fix: string; readonly retryAfterMs?: number }
  /** Our credentials or TLS set-up are wrong: keep the report, a person must fix the config. */
  | { readonly kind: 'config'; readonly reason: string; readonly fix: string }
  /** The collector will never take this report (schema, size): quarantine it. */
  | { readonly kind: 'rejected'; readonly reason: string; readonly fix: string; readonly field?: string };

export interface TransportOptions {
  readonly url: string;
  readonly token: string;
  readonly ca: string | null;
  readonly cert: string | null;
  readonly key: string | null;
  readonly timeoutMs: number;
}

// Where Debian/Ubuntu and RHEL keep the OS trust store; Node 20 ships its own roots and cannot
// read the system store, so a municipal CA installed with update-ca-certificates would be missed.
const OS_CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CamsweepError('E_CONFIG', `cannot read push.${what} "${path}": ${(err as Error).message}`, {
      fix: `point push.${what} at a readable PEM file`,
    });
  }
}

export function reportsUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v1/reports`;
}

export class Transport {
  private readonly agent: Agent;
  private readonly endpoint: string;
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    this.options = options;
    this.endpoint = reportsUrl(options.url);
    let ca: string | string[];
    if (options.ca) ca = readPem(options.ca, 'ca');
    else
      ca = [...rootCertificates, ...OS_CA_BUNDLES.filter((p) => existsSync(p)).map((p) => readPem(p, 'ca'))];
    if ((options.cert === null) !== (options.key === null)) {
      throw new CamsweepError('E_CONFIG', 'push.cert and push.key must be set together', {
        fix: 'give both the client certificate and its private key, or neither',
      });
    }
    this.agent = new Agent({
      connect: {
        ca,
        ...(options.cert ? { cert: readPem(options.cert, 'cert') } : {}),
        ...(options.key ? { key: readPem(options.key, 'key') } : {}),
        timeout: options.timeoutMs,
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: 4,
    });
  }

  async send(body: string, signal?: AbortSignal): Promise<SendResult> {
    const where = new URL(this.endpoint).host;
    let status: number;
    let text: string;
    let headers: Record<string, string | string[] | undefined>;
    try {
      const res = await request(this.endpoint, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.options.token}`,
          'user-agent': 'camsweep-agent',
        },
        body,
        signal: signal ?? AbortSignal.timeout(this.options.timeoutMs),
      });
      status = res.statusCode;
      headers = res.headers;
      text = (await res.body.text()).slice(0, 4096);
    } catch (err) {
      return diagnoseTransportError(err, where);
    }
    return interpretResponse(status, text, headers, where);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function errorCode(err: unknown): string {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_CONNECT') return e.code;
    e = e.cause as typeof e;
  }
  return (err as { name?: string })?.name ?? 'unknown';
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|TLS|SSL|EPROTO/;

export function diagnoseTransportError(err: unknown, where: string): SendResult {
  const code = errorCode(err);
  const detail = (err as Error)?.message ?? String(err);
  if (TLS_CODES.test(code) || /certificate|TLS|SSL/i.test(detail)) {
    return {
      kind: 'config',
      reason: `TLS handshake with the collector at ${where} failed (${code}: ${detail})`,
      fix: 'set push.ca to the PEM file of the CA that signed the collector certificate, and check the URL host matches the certificate name',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      kind: 'retry',
      reason: `collector host ${where} does not resolve (${code})`,
      fix: 'check push.url and the DNS of this agent',
    };
  }
  const timedOut = /TIMEOUT|ETIMEDOUT|AbortError|TimeoutError/.test(code);
  return {
    kind: 'retry',
    reason: timedOut
      ? `collector at ${where} did not answer in time (${code})`
      : `collector at ${where} is unreachable (${code}: ${detail})`,
    fix: 'check the collector is running and reachable from this agent (firewall, push.url); the report stays spooled and is resent',
  };
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export function interpretResponse(
  status: number,
  text: string,
  headers: Record<string, string | string[] | undefined>,
  where: string,
): SendResult {
  let json: { status?: string; error?: string; field?: string; fix?: string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // a proxy's HTML error page: fall back to the status line below
  }
  const said = typeof json.error === 'string' ? json.error.slice(0, 512) : `HTTP ${status}`;
  if (status >= 200 && status < 300) return { kind: json.status === 'duplicate' ? 'duplicate' : 'stored' };
  if (status === 401) {
    return {
      kind: 'config',
      reason: `collector at ${where} refused the agent token (401: ${said})`,
      fix: 'create a token with `camsweep collector token create --site NAME` and set push.token or push.tokenFile',
    };
  }
  if (status === 403) {
    return {
      kind: 'config',
      reason: `collector at ${where} refused this agent (403: ${said})`,
      fix:
        json.fix ??
        'use a token created for this agent site, or ask the collector admin whether it was revoked',
    };
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return {
      kind: 'retry',
      reason: `collector at ${where} answered ${status} (${said})`,
      fix: 'the report stays spooled and is resent; if this persists, check the collector log',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status === 404 || status === 405) {
    return {
      kind: 'config',
      reason: `${where} has no collector endpoint (${status}); is push.url the collector base URL?`,
      fix: 'set push.url to the collector base URL, e.g. https://collector.example.org:8443',
    };
  }
  const field = typeof json.field === 'string' ? json.field.slice(0, 256) : undefined;
  return {
    kind: 'rejected',
    reason: `collector at ${where} rejected the report (${status}: ${said}${field ? `; field ${field}` : ''})`,
    fix:
      json.fix ??
      'upgrade the agent or collector so both speak the same report schema; the report is kept in the spool rejected/ folder',
    ...(field ? { field } : {}),
  };
}
