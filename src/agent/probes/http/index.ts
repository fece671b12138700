/**
 * HTTP(S) and TLS enrichment (phase `enrich`): for each known host, GET / and a short curated
 * list of read-only vendor paths on its open web ports, the favicon, the TLS certificate, and,
 * only where the user supplied credentials, one credentialed device-info read. README.md says
 * exactly what goes on the wire.
 */

import { defineSpec } from '../../../core/config-spec.js';
import { cap, MAX_BODY_CHARS } from '../../../core/text.js';
import { VERSION } from '../../../core/version.js';
import { faviconHash } from '../../../knowledge/identify/derive/favicon.js';
import { probeSettings } from '../shared/common-config.js';
import { forEachLimit } from '../shared/pool.js';
import type { Probe, ProbeContext } from '../shared/types.js';
import { HttpClient } from './client.js';
import {
  bodyText,
  dahuaLoginChallenge,
  headerKeyName,
  htmlTitle,
  iconLink,
  looksLikeHtml,
  realmsOf,
  sameOriginRedirect,
} from './codec.js';
import { CREDENTIALED_PATHS, credentialedRead } from './credentialed.js';
import { hintsOf } from './hints.js';
import { CURATED_REQUESTS, type CuratedRequest, DEFAULT_FAVICON_PATH, HINTS, type Hint } from './requests.js';
import {
  type FailureReason,
  type HttpOutcome,
  type HttpRequest,
  type HttpResponse,
  type HttpTarget,
  headerValues,
} from './wire.js';

const config = defineSpec({
  ports: {
    type: 'ports',
    // 8000 is left out on purpose: it is Hikvision's binary SDK port (docs/protocols.md §3.3), so an
    // HTTP request there learns nothing and only adds noise to the device's logs.
    default: [80, 81, 88, 443, 8080, 8081, 8443],
    doc: 'web ports to query when the TCP sweep saw them open',
  },
  tlsPorts: { type: 'ports', default: [443, 8443], doc: 'which of those ports speak HTTPS' },
  timeout: {
    type: 'duration',
    default: '4s',
    minMs: 100,
    maxMs: 60_000,
    doc: 'budget for one request: connect, headers and body together',
  },
  bodyCap: {
    type: 'integer',
    default: 65_536,
    min: 1024,
    max: 1_048_576,
    doc: 'bytes of a response body read at most; the connection is dropped after that',
  },
  vendorPaths: {
    type: 'boolean',
    default: true,
    doc: 'also GET the curated read-only vendor paths (README.md)',
  },
  favicon: { type: 'boolean', default: true, doc: 'fetch the favicon and record its MurmurHash3' },
  credentialed: {
    type: 'boolean',
    default: true,
    doc: 'with credentials from credentials.file, read device info once per device',
  },
  parallel: { type: 'integer', default: 64, min: 1, max: 4096, doc: 'hosts worked on at once' },
});

interface Settings {
  readonly ports: readonly number[];
  readonly tlsPorts: ReadonlySet<number>;
  readonly timeoutMs: number;
  readonly bodyCapBytes: number;
  readonly vendorPaths: boolean;
  readonly favicon: boolean;
  readonly credentialed: boolean;
  readonly parallel: number;
}

function settingsOf(raw: Readonly<Record<string, unknown>>): Settings {
  const s = probeSettings(config, raw);
  return {
    ports: s.ports,
    tlsPorts: new Set(s.tlsPorts),
    timeoutMs: s.timeout,
    bodyCapBytes: s.bodyCap,
    vendorPaths: s.vendorPaths,
    favicon: s.favicon,
    credentialed: s.credentialed,
    parallel: s.parallel,
  };
}

/** Ports tried on a host no TCP sweep reported ports for (sweep off, or host seen by another probe). */
const DIRECT_PORTS: readonly number[] = [80, 443];
/** At most this many headers per response become observations (a hostile server may send thousands). */
const MAX_HEADERS = 64;
/**
 * Failures of `GET /` that suggest the port speaks the other scheme: a TLS handshake answered
 * in plain text fails as `tls`; a plain request to a TLS port gets an alert (malformed) or a
 * reset.
 */
const SCHEME_MISMATCH: Readonly<Record<'tls' | 'plain', readonly FailureReason[]>> = {
  tls: ['tls'],
  plain: ['malformed', 'reset'],
};
/** Redirects followed from `/`, same origin only. */
const MAX_REDIRECTS = 2;

export interface HostPlan {
  readonly host: string;
  readonly targets: readonly HttpTarget[];
}

/** Which web ports to query on which in-scope host. */
export function planTargets(
  known: ReadonlyMap<string, ReadonlySet<number>>,
  inScope: (host: string) => boolean,
  settings: Pick<Settings, 'ports' | 'tlsPorts'>,
): HostPlan[] {
  const plans: HostPlan[] = [];
  for (const [host, open] of known) {
    if (!inScope(host)) continue;
    const ports = open.size === 0 ? DIRECT_PORTS : settings.ports.filter((p) => open.has(p));
    if (ports.length === 0) continue;
    const tls = (p: number) => settings.tlsPorts.has(p) || (open.size === 0 && p === 443);
    plans.push({ host, targets: ports.map((port) => ({ host, port, tls: tls(port) })) });
  }
  return plans;
}

/** One host's work: the requests, what they hinted, and the single credentialed attempt. */
class HostSession {
  private readonly hints = new Set<Hint>();
  /** Unauthenticated 401s on credentialed-read paths, by path, first TLS one preferred. */
  private readonly challenges = new Map<string, { target: HttpTarget; values: string[] }>();
  private locked = false;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly client: HttpClient,
    private readonly settings: Settings,
    private readonly host: string,
  ) {}

  async run(targets: readonly HttpTarget[]): Promise<void> {
    for (const target of targets) {
      if (this.ctx.signal.aborted) return;
      await this.port(target);
    }
    await this.credentialed();
  }

  private async send(target: HttpTarget, req: HttpRequest): Promise<HttpOutcome> {
    // A connection and a request: two sends under the global packet-rate cap.
    await this.ctx.takePackets(2);
    const outcome = await this.client.send(target, req, this.ctx.signal);
    if (!outcome.ok) {
      this.ctx.log.debug(
        {
          host: this.host,
          port: target.port,
          path: req.path,
          reason: outcome.reason,
          detail: outcome.detail,
        },
        'http request got no answer',
      );
    }
    return outcome;
  }

  private async port(planned: HttpTarget): Promise<void> {
    let target = planned;
    let root = await this.send(target, { method: 'GET', path: '/' });
    if (!root.ok && SCHEME_MISMATCH[target.tls ? 'tls' : 'plain'].includes(root.reason)) {
      // Web UIs move HTTPS to odd ports and back: one try with the other scheme settles it.
      const flipped = { ...target, tls: !target.tls };
      const again = await this.send(flipped, { method: 'GET', path: '/' });
      if (again.ok) [target, root] = [flipped, again];
    }
    if (!root.ok) return;
    this.emitCertificate(target);
    this.record(target, '/', root.response);
    const fetched = new Set(['/']);
    let page = root.response;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      const location = headerValues(page, 'location')[0];
      const next = sameOriginRedirect(location, bodyText(page.body));
      if (next === null || fetched.has(next)) break;
      fetched.add(next);
      const followed = await this.send(target, { method: 'GET', path: next });
      if (!followed.ok) break;
      this.record(target, next, followed.response);
      page = followed.response;
    }
    if (this.settings.favicon) await this.favicon(target, page, fetched);
    if (!this.settings.vendorPaths) return;
    for (const req of CURATED_REQUESTS) {
      if (this.ctx.signal.aborted) return;
      if (fetched.has(req.path) || (req.onlyIf !== undefined && !this.hints.has(req.onlyIf))) continue;
      fetched.add(req.path);
      const outcome = await this.send(target, toRequest(req));
      if (outcome.ok) this.record(target, req.path, outcome.response);
    }
  }

  private async favicon(target: HttpTarget, page: HttpResponse, fetched: Set<string>): Promise<void> {
    const text = looksLikeHtml(headerValues(page, 'content-type')[0], bodyText(page.body))
      ? bodyText(page.body)
      : '';
    const path = iconLink(text) ?? DEFAULT_FAVICON_PATH;
    if (fetched.has(path)) return;
    fetched.add(path);
    const outcome = await this.send(target, { method: 'GET', path });
    if (!outcome.ok) return;
    const { status, body, truncated } = outcome.response;
    // A cut-off icon would hash to a value nobody else computes; an HTML 200 is a soft 404.
    if (
      status !== 200 ||
      body.length === 0 ||
      truncated ||
      looksLikeHtml(undefined, bodyText(body.subarray(0, 1024)))
    )
      return;
    this.emit(target, path, 'http.favicon.mmh3', faviconHash(body));
  }

  private record(target: HttpTarget, path: string, response: HttpResponse): void {
    this.emit(target, path, 'http.status', response.status);
    let headers = 0;
    for (const [name, value] of response.headers) {
      const key = headerKeyName(name);
      if (key === null) continue;
      if (++headers > MAX_HEADERS) break;
      this.emit(target, path, `http.header.${key}`, cap(value));
    }
    const challenges = headerValues(response, 'www-authenticate');
    for (const realm of realmsOf(challenges)) this.emit(target, path, 'http.auth.realm', cap(realm));
    const text = response.body.length > 0 ? bodyText(response.body) : '';
    if (looksLikeHtml(headerValues(response, 'content-type')[0], text)) {
      const title = htmlTitle(text);
      if (title !== null) this.emit(target, path, 'http.html.title', cap(title));
    }
    // Error pages of the probing paths repeat per path and say little beyond their title.
    if (text !== '' && (response.status < 400 || path === '/'))
      this.emit(target, path, 'http.body', cap(text, MAX_BODY_CHARS));
    if (response.lenient !== null) this.emit(target, path, 'http.lenient', response.lenient);
    if (path === '/RPC2_Login') this.recordDahuaChallenge(target, path, text);
    for (const hint of hintsOf(response)) this.hints.add(hint);
    if (response.status === 401 && challenges.length > 0) this.rememberChallenge(target, path, challenges);
  }

  private recordDahuaChallenge(target: HttpTarget, path: string, text: string): void {
    const login = dahuaLoginChallenge(text);
    if (!login) return;
    if (login.realm !== null) this.emit(target, path, 'http.auth.realm', cap(login.realm));
    if (login.mac !== null) this.emit(target, path, 'mac.address', login.mac);
    if (login.locked) this.locked = true;
  }

  private rememberChallenge(target: HttpTarget, path: string, values: string[]): void {
    const isCredentialedPath = Object.values(CREDENTIALED_PATHS).some((paths) => paths[0] === path);
    if (!isCredentialedPath) return;
    const seen = this.challenges.get(path);
    if (!seen || (!seen.target.tls && target.tls)) this.challenges.set(path, { target, values });
  }

  private emitCertificate(target: HttpTarget): void {
    const cert = target.tls ? this.client.certificate(target) : null;
    if (!cert) return;
    const at = { host: this.host, port: target.port };
    this.ctx.emit({ ...at, key: 'tls.cert.subject', value: cert.subject });
    this.ctx.emit({ ...at, key: 'tls.cert.issuer', value: cert.issuer });
    this.ctx.emit({ ...at, key: 'tls.cert.sha256', value: cert.sha256 });
  }

  private emit(target: HttpTarget, path: string, key: string, value: string | number): void {
    this.ctx.emit({ host: this.host, port: target.port, path, key, value });
  }

  /** At most one credentialed read per host per run, and only toward a vendor the host hinted at. */
  private async credentialed(): Promise<void> {
    if (!this.settings.credentialed || this.ctx.signal.aborted) return;
    const credentials = this.ctx.credentialsFor(this.host);
    if (!credentials) return;
    if (this.locked) {
      this.ctx.log.warn(
        { host: this.host },
        'device reports the account locked; no credentialed read this run',
      );
      return;
    }
    const vendor = HINTS.find((v) => this.hints.has(v) && this.challenges.has(CREDENTIALED_PATHS[v][0]!));
    if (vendor === undefined) {
      this.ctx.log.debug({ host: this.host }, 'credentials configured but no known login challenge seen');
      return;
    }
    const paths = CREDENTIALED_PATHS[vendor];
    const { target, values } = this.challenges.get(paths[0]!)!;
    const result = await credentialedRead({
      paths,
      challenge: values,
      tls: target.tls,
      credentials,
      send: (req) => this.send(target, req),
    });
    for (const { path, response } of result.answers) this.record(target, path, response);
    const log = { host: this.host, port: target.port, vendor, end: result.end };
    if (result.end === 'rejected')
      this.ctx.log.warn(log, 'device refused the configured credentials; not retried');
    else if (result.end === 'locked') this.ctx.log.warn(log, 'device signalled a lockout; stopped');
    else this.ctx.log.debug(log, 'credentialed read finished');
  }
}

function toRequest(req: CuratedRequest): HttpRequest {
  if (req.body === undefined) return { method: req.method, path: req.path };
  return {
    method: req.method,
    path: req.path,
    body: req.body,
    headers: { 'content-type': req.contentType ?? 'text/plain' },
  };
}

export const httpProbe: Probe = {
  id: 'http',
  title: 'HTTP(S) web interface, favicon and TLS certificate',
  phase: 'enrich',
  emits: [
    'http.status',
    'http.header.*',
    'http.auth.realm',
    'http.html.title',
    'http.body',
    'http.favicon.mmh3',
    'http.lenient',
    'tls.cert.subject',
    'tls.cert.issuer',
    'tls.cert.sha256',
    'mac.address',
  ],
  identityKeys: { serialInRealm: ['http.auth.realm'] },
  config,
  enabledByDefault: true,
  async run(ctx: ProbeContext): Promise<void> {
    const settings = settingsOf(ctx.config);
    const plans = planTargets(ctx.known(), (h) => ctx.scope.has(h), settings);
    if (plans.length === 0) return;
    const client = new HttpClient({
      timeoutMs: settings.timeoutMs,
      bodyCapBytes: settings.bodyCapBytes,
      userAgent: `camsweep/${VERSION}`,
    });
    try {
      await forEachLimit(plans, settings.parallel, ctx.signal, (plan) =>
        ctx.withHost(plan.host, () => new HostSession(ctx, client, settings, plan.host).run(plan.targets)),
      );
    } finally {
      await client.close();
    }
  },
};
