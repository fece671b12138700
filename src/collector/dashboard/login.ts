/**
 * Sign-in and sign-out: local accounts (the break-glass way in), a directory account checked
 * over LDAP, and OIDC single sign-on (auth/). A password sign-in attempt, local or LDAP, is
 * reserved in the database before the password is checked (store/access.ts
 * reserveLoginAttempt), so the throttle holds under concurrency and across collectors sharing
 * one database. Every attempt, with its method and outcome, goes to the audit trail.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authSourceOf, grantsFor, provisionDirectoryUser } from '../auth/directory-users.js';
import { OIDC_FLOW_MAX_AGE_S } from '../auth/oidc.js';
import type { Sql } from '../db/sql.js';
import { CollectorError } from '../routes/errors.js';
import {
  authenticate,
  createSession,
  deleteSession,
  reserveLoginAttempt,
  settleLoginAttempt,
} from '../store/access.js';
import { appendAudit } from '../store/audit.js';
import { randomSecret, sameText } from '../store/secrets.js';
import { continuePage } from '../views/layout.js';
import { sameOrigin } from './access.js';
import { cookieOptions, type DashboardOptions, field, formSchema, sendPage, sessionOf } from './context.js';

type Method = 'local' | 'ldap' | 'oidc';

const WRONG = 'Wrong user name or password.';

// What an IdP may append to the callback (RFC 6749 §4.1.2, RFC 9207 iss, OIDC session_state).
const CALLBACK_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'].map((k) => [
      k,
      { type: 'string', maxLength: 4096 },
    ]),
  ),
} as const;

export const loginPages: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const { db, log, cookies } = opts;
  const options = cookieOptions(cookies);
  const ldap = opts.directory?.ldap ?? null;
  const oidc = opts.directory?.oidc ?? null;
  const mappings = opts.directory?.mappings ?? [];

  const showLogin = (
    reply: FastifyReply,
    error: string | null,
    username: string,
    status = 200,
    method: Method = 'ldap',
  ) => {
    const token = randomSecret(24);
    reply.setCookie(cookies.login, token, { ...options, maxAge: 1800 });
    return sendPage(
      reply,
      'login',
      { title: 'Sign in', user: null, csrf: null },
      {
        error,
        username,
        loginCsrf: token,
        ldap: ldap?.label ?? null,
        oidc: oidc?.label ?? null,
        method,
      },
      status,
    );
  };

  const startSession = async (reply: FastifyReply, userId: number) => {
    const session = await createSession(db, userId);
    reply.clearCookie(cookies.login, options);
    reply.setCookie(cookies.session, session.cookie, { ...options, maxAge: session.maxAgeS });
  };

  const audit = (q: Sql, req: FastifyRequest, action: string, username: string, after: object) =>
    appendAudit(q, { actor: username, source: req.ip, action, target: username, after });

  /** Roles from directory groups, then the user row; a refusal is audited and explained. */
  const admitDirectoryUser = async (
    req: FastifyRequest,
    method: 'ldap' | 'oidc',
    username: string,
    groups: readonly string[],
  ): Promise<{ userId: number } | { refused: string }> => {
    const grants = grantsFor(mappings, groups, method);
    const result = await db.tx(async (t) => {
      const p = await provisionDirectoryUser(t, method, username, grants);
      if (p.ok) await audit(t, req, 'sign-in', username, { method, rolesBefore: p.before, roles: p.after });
      else
        await audit(t, req, 'sign-in.refused', username, { method, reason: p.reason, groups: groups.length });
      return p;
    });
    if (result.ok) return { userId: result.userId };
    log.warn({ ip: req.ip, method, reason: result.reason }, 'directory sign-in refused');
    return { refused: result.message };
  };

  app.get(
    '/login',
    { config: { access: 'public' }, schema: { querystring: { type: 'object', properties: {} } } },
    async (_req, reply) => showLogin(reply, null, ''),
  );

  app.post(
    '/login',
    {
      config: { access: 'public' },
      schema: { body: formSchema({ username: 128, password: 1024, method: 16, _csrf: 256 }) },
    },
    async (req, reply) => {
      const method: Method = ldap && field(req.body, 'method') !== 'local' ? 'ldap' : 'local';
      const typed = field(req.body, 'username').trim();
      // Directory names match case-insensitively; one collector user per person.
      const username = method === 'ldap' ? typed.toLowerCase() : typed;
      const password = field(req.body, 'password');
      const expected = req.cookies[cookies.login] ?? '';
      if (!sameOrigin(req) || !expected || !sameText(field(req.body, '_csrf'), expected)) {
        return showLogin(reply, 'The sign-in form expired. Please try again.', typed, 403, method);
      }
      const reservation = await reserveLoginAttempt(db, username, req.ip);
      if (!reservation.ok) {
        log.warn({ ip: req.ip, method }, 'login throttled');
        await audit(db, req, 'sign-in.throttled', username, { method });
        reply.header('retry-after', '900');
        return showLogin(
          reply,
          'Too many failed sign-ins. Wait 15 minutes and try again.',
          typed,
          429,
          method,
        );
      }
      if (method === 'ldap' && ldap) {
        const outcome = await ldap.signIn(username, password);
        await settleLoginAttempt(db, reservation.attemptId, outcome.ok);
        if (!outcome.ok) {
          log.warn({ ip: req.ip, reason: outcome.reason, detail: outcome.detail }, 'LDAP sign-in failed');
          await audit(db, req, 'sign-in.failed', username, { method, reason: outcome.reason });
          if (outcome.reason === 'bad-credentials') return showLogin(reply, WRONG, typed, 401, method);
          if (outcome.reason === 'ambiguous')
            return showLogin(
              reply,
              'More than one directory account matches this name. Ask an administrator to narrow auth.ldap.userFilter.',
              typed,
              409,
              method,
            );
          return showLogin(
            reply,
            'The directory cannot be reached securely right now. Try again later; an administrator can use a local account.',
            typed,
            503,
            method,
          );
        }
        const admitted = await admitDirectoryUser(req, 'ldap', username, outcome.groups);
        if ('refused' in admitted) return showLogin(reply, admitted.refused, typed, 403, method);
        await startSession(reply, admitted.userId);
        return reply.redirect('/', 303);
      }
      let userId = username && password ? await authenticate(db, username, password) : null;
      // A directory user's row has no usable password; a password set on it by hand does not make it local.
      if (userId !== null && (await authSourceOf(db, userId)) !== 'local') userId = null;
      await settleLoginAttempt(db, reservation.attemptId, userId !== null);
      if (userId === null) {
        log.warn({ ip: req.ip, method }, 'login failed');
        await audit(db, req, 'sign-in.failed', username, { method });
        return showLogin(reply, WRONG, typed, 401, method);
      }
      await audit(db, req, 'sign-in', username, { method });
      await startSession(reply, userId);
      return reply.redirect('/', 303);
    },
  );

  app.get(
    '/login/oidc',
    { config: { access: 'public' }, schema: { querystring: { type: 'object', properties: {} } } },
    async (_req, reply) => {
      if (!oidc) throw new CollectorError('C_NOT_FOUND', 'single sign-on is not configured');
      const started = await oidc.start(db);
      if ('error' in started)
        return showLogin(reply, `Single sign-on is unavailable: ${started.error}.`, '', 503);
      // Lax, not Strict: the browser must send it on the IdP's redirect back to the callback.
      reply.setCookie(cookies.oidcFlow, started.flowCookie, {
        ...options,
        sameSite: 'lax',
        maxAge: OIDC_FLOW_MAX_AGE_S,
      });
      return reply.redirect(started.url, 303);
    },
  );

  app.get(
    '/login/oidc/callback',
    { config: { access: 'public' }, schema: { querystring: CALLBACK_QUERY } },
    async (req, reply) => {
      if (!oidc) throw new CollectorError('C_NOT_FOUND', 'single sign-on is not configured');
      const flow = req.cookies[cookies.oidcFlow] ?? '';
      reply.clearCookie(cookies.oidcFlow, { ...options, sameSite: 'lax' });
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const outcome = await oidc.finish(db, flow, query);
      if (!outcome.ok) {
        log.warn({ ip: req.ip, reason: outcome.reason, detail: outcome.detail }, 'OIDC sign-in failed');
        await audit(db, req, 'sign-in.failed', '(single sign-on)', {
          method: 'oidc',
          reason: outcome.reason,
          detail: outcome.detail,
        });
        const message =
          outcome.reason === 'no-flow'
            ? 'This sign-in link has expired or was already used. Start again.'
            : outcome.reason === 'no-username'
              ? 'The identity provider did not say who you are; ask an administrator to check auth.oidc.usernameClaim.'
              : 'Single sign-on did not complete. Start again; if it keeps failing, ask an administrator.';
        return showLogin(reply, message, '', outcome.reason === 'unavailable' ? 503 : 401);
      }
      const admitted = await admitDirectoryUser(req, 'oidc', outcome.username, outcome.groups);
      if ('refused' in admitted) return showLogin(reply, admitted.refused, '', 403);
      await startSession(reply, admitted.userId);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(continuePage);
    },
  );

  app.post(
    '/logout',
    { config: { access: 'signed-in' }, schema: { body: formSchema({ _csrf: 256 }) } },
    async (req, reply) => {
      await deleteSession(db, req.cookies[cookies.session] ?? '');
      const who = sessionOf(req).username;
      await appendAudit(db, { actor: who, source: req.ip, action: 'sign-out', target: who });
      reply.clearCookie(cookies.session, options);
      return reply.redirect('/login', 303);
    },
  );
};
