/**
 * Who may call the read API, as two hooks on its plugin context so no route can forget them.
 * onRequest: every route declares `config.apiAccess` (`public` or the permission it needs, from
 * store/roles.ts); the bearer token must be an API token (an agent's is refused), not revoked,
 * within its rate, and its role must grant the permission. A token whose role allows the route
 * but whose group holds no site yet reads empty lists, as a user with that grant would.
 * preHandler: every accepted call is written to the audit trail (store/audit.ts), like the
 * dashboard's exports: which token, from where, which route and query.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../core/log.js';
import type { Database } from '../../db/index.js';
import { tokenAuthority, verifyApiToken } from '../../store/api-tokens.js';
import { appendAudit } from '../../store/audit.js';
import {
  type Authority,
  type Grant,
  type Permission,
  roleAllows,
  type SiteScope,
} from '../../store/roles.js';
import { CollectorError } from '../errors.js';
import type { RateLimiter } from '../rate-limit.js';

export type ApiAccess = 'public' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    apiAccess?: ApiAccess;
  }
}

export interface Caller {
  readonly tokenId: string;
  readonly grant: Grant;
  readonly authority: Authority;
}

const BEARER = /^Bearer\s+(\S+)$/i;
const callers = new WeakMap<FastifyRequest, Caller>();

/** The sites a request's token reaches for `permission` (routes run only after the hook accepted it). */
export function tokenScope(req: FastifyRequest, permission: Permission): SiteScope {
  const c = callers.get(req);
  if (!c) throw new Error(`route ${req.routeOptions.url} ran without a token; declare config.apiAccess`);
  return c.authority.scope(permission);
}

function refuse(reply: FastifyReply, err: CollectorError): never {
  // RFC 6750 §3: a 401 names the scheme the client should use.
  if (err.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="camsweep"');
  throw err;
}

export function installTokenCheck(
  app: FastifyInstance,
  opts: { db: Database; log: Logger; limiter: RateLimiter },
): void {
  const { db, log, limiter } = opts;

  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const needs = req.routeOptions.config.apiAccess;
    if (needs === 'public') return;
    // A route without a declaration is refused to everyone rather than open to anyone.
    if (!needs) throw new CollectorError('C_INTERNAL', `route ${req.routeOptions.url} declares no apiAccess`);
    const m = BEARER.exec(req.headers.authorization ?? '');
    if (!m) return refuse(reply, new CollectorError('C_API_TOKEN', 'missing bearer token'));
    const check = await verifyApiToken(db, m[1]!);
    if (!check.ok) {
      log.warn({ reason: check.reason, ip: req.ip }, 'API token refused');
      return refuse(
        reply,
        check.reason === 'revoked'
          ? new CollectorError('C_API_TOKEN_REVOKED', 'API token revoked')
          : new CollectorError('C_API_TOKEN', 'unknown API token'),
      );
    }
    const wait = limiter.take(`api:${check.tokenId}`);
    if (wait > 0) {
      const retryAfterS = Math.ceil(wait / 1000);
      reply.header('retry-after', String(retryAfterS));
      throw new CollectorError('C_API_RATE', 'too many requests with this API token', { retryAfterS });
    }
    if (!roleAllows(check.grant.role, needs))
      throw new CollectorError(
        'C_API_ROLE',
        `this route needs the "${needs}" permission, which the token's role (${check.grant.role}) does not grant`,
      );
    callers.set(req, {
      tokenId: check.tokenId,
      grant: check.grant,
      authority: await tokenAuthority(db, check.grant),
    });
  });

  // fastify drops query parameters a schema does not list; an integration with a typo in a
  // filter would then get everything, unfiltered. Refuse them instead.
  app.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema?.querystring as
      | { properties?: Record<string, unknown> }
      | undefined;
    const known = Object.keys(schema?.properties ?? {});
    const unknown = Object.keys((req.query as Record<string, unknown> | undefined) ?? {}).find(
      (k) => !known.includes(k),
    );
    if (unknown === undefined) return;
    const name = /^[A-Za-z0-9_.-]{1,32}$/.test(unknown) ? `"${unknown}"` : 'a query parameter';
    throw new CollectorError(
      'C_BAD_QUERY',
      `${name} is not a parameter of this route (see /api/v1/openapi.json)`,
    );
  });

  app.addHook('preHandler', async (req) => {
    const caller = callers.get(req);
    if (!caller) return;
    const query = req.query as { site?: string } | undefined;
    const { grant } = caller;
    await appendAudit(db, {
      actor: `api-token:${caller.tokenId}`,
      source: req.ip,
      action: 'api.read',
      target: `${req.method} ${req.url}`.slice(0, 1024),
      // Filed under the site asked for, or the token's one site; otherwise all-site auditors see it.
      site: query?.site ?? (grant.kind === 'site' ? grant.name : null),
      after: { role: grant.role, scope: grant.kind === 'all' ? 'all' : `${grant.kind}:${grant.name}` },
    });
  });
}
