/**
 * What every dashboard page plugin shares: its options, the page renderer, the session of the
 * request (set by the access hook in access.ts) and the cookie names.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../core/log.js';
import type { Directory } from '../auth/index.js';
import type { Database } from '../db/index.js';
import type { Session } from '../store/access.js';
import type { Authority, Permission, SiteScope } from '../store/roles.js';
import { createDisplay, type Display } from '../views/display.js';
import { type Frame, type PageName, renderPage } from '../views/index.js';
import type { AttestationRenderer } from './attestation.js';

export interface CookieNames {
  readonly session: string;
  readonly login: string;
  /** Binds an OIDC login in flight to the browser that started it (auth/oidc.ts). */
  readonly oidcFlow: string;
  readonly secure: boolean;
}

export function cookieNames(secure: boolean): CookieNames {
  // __Host- cookies are only accepted over HTTPS, for this exact host and path (RFC 6265bis).
  return secure
    ? { session: '__Host-csw_session', login: '__Host-csw_login', oidcFlow: '__Host-csw_oidc', secure }
    : { session: 'csw_session', login: 'csw_login', oidcFlow: 'csw_oidc', secure };
}

export interface DashboardOptions {
  readonly db: Database;
  readonly log: Logger;
  readonly cookies: CookieNames;
  /** Renders the Attestation download (set by the composition root). */
  readonly attestation?: AttestationRenderer;
  /** How times and maker names are printed (the collector's --time-zone); default UTC. */
  readonly display?: Display;
  /** Directory sign-in (LDAP, OIDC) from the config's auth section; local accounts only without it. */
  readonly directory?: Directory;
}

const UTC = createDisplay('UTC');

/** The page data every template may use to print times and names (`it.show`). */
export function displayOf(opts: DashboardOptions): { show: Display } {
  return { show: opts.display ?? UTC };
}

/**
 * Who may use a route. Every dashboard route declares one in `config.access`: `public`, any
 * `signed-in` user (sign-out only), or the permission (store/roles.ts) the user must hold at
 * one site at least. A missing value is treated as signed-in (default deny for anonymous use);
 * which sites a handler may touch comes from `scopeOf(req, permission)`.
 */
export type Access = 'public' | 'signed-in' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

export function cookieOptions(cookies: CookieNames) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: cookies.secure };
}

export function sendPage(reply: FastifyReply, name: PageName, frame: Frame, data: object, status = 200) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage(name, frame, data));
}

const sessions = new WeakMap<FastifyRequest, Session>();
const authorities = new WeakMap<FastifyRequest, Authority>();
// Keyed by the session object too, so frameOf(session) can tell whether to show admin links.
const sessionAuthorities = new WeakMap<Session, Authority>();

export function attachSession(req: FastifyRequest, session: Session, authority: Authority): void {
  sessions.set(req, session);
  authorities.set(req, authority);
  sessionAuthorities.set(session, authority);
}

/** The sites where the signed-in user holds `permission` (none when not signed in). */
export function scopeOf(req: FastifyRequest, permission: Permission): SiteScope {
  const a = authorities.get(req);
  if (!a) throw new Error(`route ${req.routeOptions.url} ran without a session; declare config.access`);
  return a.scope(permission);
}

export function maybeSession(req: FastifyRequest): Session | undefined {
  return sessions.get(req);
}

/** The signed-in user of a request that passed the access hook. */
export function sessionOf(req: FastifyRequest): Session {
  const s = sessions.get(req);
  if (!s) throw new Error(`route ${req.routeOptions.url} ran without a session; declare config.access`);
  return s;
}

export function frameOf(s: Session, title: string): Frame {
  // The Users link, for admins over every site (user management is global: dashboard/users.ts).
  return {
    title,
    user: s.username,
    csrf: s.csrf,
    admin: sessionAuthorities.get(s)?.scope('manage').all === true,
  };
}

/** A form field as text: anything else (a repeated field, a missing one) is empty. */
export function field(body: unknown, name: string): string {
  const v = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
}

/** Form bodies: every field a bounded string, at most once (a repeated field is an array: 400). */
export function formSchema(fields: Record<string, number>, required: readonly string[] = []) {
  return {
    type: 'object',
    additionalProperties: false,
    required,
    properties: Object.fromEntries(
      Object.entries(fields).map(([name, maxLength]) => [name, { type: 'string', maxLength }]),
    ),
  } as const;
}
