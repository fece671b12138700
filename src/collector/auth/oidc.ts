/**
 * OpenID Connect sign-in (authorization code flow with PKCE, RFC 7636) through openid-client.
 * The state, nonce and PKCE verifier of a login in flight are kept in the database, keyed by
 * the digest of a random cookie the browser holds for ten minutes, and are deleted the moment
 * the callback reads them: a second use of the same callback (a replayed code, a reloaded page)
 * finds nothing and is refused, and a callback arriving in another browser has no cookie.
 * openid-client checks the ID token's signature, issuer, audience, expiry and nonce.
 */
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Logger } from '../../core/log.js';
import type { Sql } from '../db/sql.js';
import { randomSecret, sha256 } from '../store/secrets.js';
import type { OidcSettings } from './config.js';

const FLOW_MINUTES = 10;
export const OIDC_FLOW_MAX_AGE_S = FLOW_MINUTES * 60;

export type OidcOutcome =
  | {
      readonly ok: true;
      readonly username: string;
      readonly subject: string;
      readonly groups: readonly string[];
    }
  | {
      readonly ok: false;
      /** no-flow: no login in flight for this browser (expired, replayed, other browser). */
      readonly reason: 'no-flow' | 'refused' | 'unavailable' | 'no-username';
      readonly detail: string;
    };

/** The error and its cause: openid-client wraps the specific check that failed (e.g. the state) in a general one. */
function why(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; error?: unknown; cause?: unknown };
  const code = typeof e?.error === 'string' ? e.error : typeof e?.code === 'string' ? e.code : '';
  const cause = e?.cause instanceof Error ? ` (${e.cause.message})` : '';
  return `${code ? `${code}: ` : ''}${String(e?.message ?? err)}${cause}`.slice(0, 300);
}

/** A fetch that trusts a private CA too, returning the runtime's own Response (openid-client checks its type). */
function fetchTrusting(ca: string): client.CustomFetch {
  const dispatcher = new Agent({ connect: { ca, minVersion: 'TLSv1.2' } });
  return async (url, options) => {
    const r = await undiciFetch(url, {
      method: options.method,
      headers: options.headers,
      redirect: options.redirect,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      dispatcher,
    });
    const headers = new Headers();
    for (const [name, value] of r.headers) headers.append(name, value);
    return new Response(r.status === 204 ? null : await r.arrayBuffer(), {
      status: r.status,
      statusText: r.statusText,
      headers,
    });
  };
}

export class OidcSignIn {
  private config: Promise<client.Configuration> | null = null;

  constructor(
    private readonly settings: OidcSettings,
    private readonly log: Logger,
  ) {}

  get label(): string {
    return this.settings.label;
  }

  /** Discovery happens at first use and is retried after a failure, so an IdP outage does not stop the collector. */
  private configuration(): Promise<client.Configuration> {
    if (!this.config) {
      const s = this.settings;
      const auth = s.clientSecret ? client.ClientSecretBasic(s.clientSecret) : client.None();
      this.config = client
        .discovery(new URL(s.issuer), s.clientId, undefined, auth, {
          ...(s.ca ? { [client.customFetch]: fetchTrusting(s.ca) } : {}),
          timeout: 15,
        })
        .catch((err: unknown) => {
          this.config = null;
          throw err;
        });
    }
    return this.config;
  }

  /** Starts a login: records the flow and returns the IdP's URL and the cookie binding the flow to this browser. */
  async start(q: Sql): Promise<{ url: string; flowCookie: string } | { error: string }> {
    let config: client.Configuration;
    try {
      config = await this.configuration();
    } catch (err) {
      this.log.error({ issuer: this.settings.issuer, err: why(err) }, 'OIDC discovery failed');
      return { error: `the identity provider (${new URL(this.settings.issuer).host}) cannot be reached` };
    }
    const flowCookie = randomSecret(32);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const now = Date.now();
    await q.run('DELETE FROM oidc_pending WHERE expires_at < ?', [new Date(now).toISOString()]);
    await q.run(
      'INSERT INTO oidc_pending (flow_sha256, state, nonce, verifier, expires_at) VALUES (?, ?, ?, ?, ?)',
      [sha256(flowCookie), state, nonce, verifier, new Date(now + FLOW_MINUTES * 60_000).toISOString()],
    );
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, flowCookie };
  }

  /** Completes a login from the callback's query string; the flow is used up whatever the outcome. */
  async finish(q: Sql, flowCookie: string, query: string): Promise<OidcOutcome> {
    const flow = flowCookie
      ? await q.get<{ state: string; nonce: string; verifier: string; expires_at: string }>(
          'DELETE FROM oidc_pending WHERE flow_sha256 = ? RETURNING state, nonce, verifier, expires_at',
          [sha256(flowCookie)],
        )
      : undefined;
    if (!flow || flow.expires_at < new Date().toISOString())
      return {
        ok: false,
        reason: 'no-flow',
        detail: 'no sign-in in progress for this browser (expired or already used)',
      };
    let config: client.Configuration;
    try {
      config = await this.configuration();
    } catch (err) {
      return { ok: false, reason: 'unavailable', detail: why(err) };
    }
    const callback = new URL(this.settings.redirectUri);
    callback.search = query;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      return { ok: false, reason: 'refused', detail: why(err) };
    }
    const claims: Record<string, unknown> = { ...tokens.claims() };
    const groupsClaim = this.settings.groupsClaim;
    // Some providers put groups only in userinfo; Entra ID sends `_claim_names` instead when a
    // user is in too many groups ("overage"), which we cannot resolve here.
    if (claims[groupsClaim] === undefined && config.serverMetadata().userinfo_endpoint) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, String(claims.sub));
        for (const [k, v] of Object.entries(info)) if (claims[k] === undefined) claims[k] = v;
      } catch (err) {
        this.log.warn({ err: why(err) }, 'OIDC userinfo request failed; using the ID token claims only');
      }
    }
    const username = claims[this.settings.usernameClaim];
    if (typeof username !== 'string' || !username.trim() || username.length > 128)
      return {
        ok: false,
        reason: 'no-username',
        detail: `the ID token has no usable "${this.settings.usernameClaim}" claim (auth.oidc.usernameClaim)`,
      };
    const raw = claims[groupsClaim];
    const groups = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [])
      .filter((g): g is string => typeof g === 'string')
      .slice(0, 1000);
    return { ok: true, username: username.trim(), subject: String(claims.sub), groups };
  }
}
