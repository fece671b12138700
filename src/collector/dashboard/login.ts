/**
 * Sign-in and sign-out. A sign-in attempt is reserved in the database before the password is
 * hashed (store/access.ts reserveLoginAttempt), so the throttle holds under concurrency and
 * across collectors sharing one database.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  authenticate,
  createSession,
  deleteSession,
  reserveLoginAttempt,
  settleLoginAttempt,
} from '../store/access.js';
import { appendAudit } from '../store/audit.js';
import { randomSecret, sameText } from '../store/secrets.js';
import { sameOrigin } from './access.js';
import { cookieOptions, type DashboardOptions, field, formSchema, sendPage, sessionOf } from './context.js';

export const loginPages: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const { db, log, cookies } = opts;
  const options = cookieOptions(cookies);

  const showLogin = (reply: FastifyReply, error: string | null, username: string, status = 200) => {
    const token = randomSecret(24);
    reply.setCookie(cookies.login, token, { ...options, maxAge: 1800 });
    return sendPage(
      reply,
      'login',
      { title: 'Sign in', user: null, csrf: null },
      { error, username, loginCsrf: token },
      status,
    );
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
      schema: { body: formSchema({ username: 128, password: 1024, _csrf: 256 }) },
    },
    async (req, reply) => {
      const username = field(req.body, 'username').trim();
      const password = field(req.body, 'password');
      const expected = req.cookies[cookies.login] ?? '';
      if (!sameOrigin(req) || !expected || !sameText(field(req.body, '_csrf'), expected)) {
        return showLogin(reply, 'The sign-in form expired. Please try again.', username, 403);
      }
      const reservation = await reserveLoginAttempt(db, username, req.ip);
      if (!reservation.ok) {
        log.warn({ ip: req.ip }, 'login throttled');
        await appendAudit(db, {
          actor: username,
          source: req.ip,
          action: 'sign-in.throttled',
          target: username,
        });
        reply.header('retry-after', '900');
        return showLogin(reply, 'Too many failed sign-ins. Wait 15 minutes and try again.', username, 429);
      }
      const userId = username && password ? await authenticate(db, username, password) : null;
      await settleLoginAttempt(db, reservation.attemptId, userId !== null);
      if (userId === null) {
        log.warn({ ip: req.ip }, 'login failed');
        await appendAudit(db, {
          actor: username,
          source: req.ip,
          action: 'sign-in.failed',
          target: username,
        });
        return showLogin(reply, 'Wrong user name or password.', username, 401);
      }
      const session = await createSession(db, userId);
      await appendAudit(db, { actor: username, source: req.ip, action: 'sign-in', target: username });
      reply.clearCookie(cookies.login, options);
      reply.setCookie(cookies.session, session.cookie, { ...options, maxAge: session.maxAgeS });
      return reply.redirect('/', 303);
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
