/**
 * The dashboard's access control, as two hooks on the dashboard's root context so no page can
 * forget them: onRequest resolves the session for every route whose `config.access` is not
 * `public` (GET: redirect to /login; POST: 403), and preValidation refuses a state-changing
 * form from another origin or without the session's CSRF token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findSession } from '../store/access.js';
import { isEmptyScope, loadAuthority } from '../store/roles.js';
import { sameText } from '../store/secrets.js';
import { attachSession, type DashboardOptions, field, maybeSession, sendPage } from './context.js';

/** Cross-origin form posts are refused even before the CSRF token is checked. */
export function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin !== 'null';
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function installAccessHooks(app: FastifyInstance, opts: DashboardOptions): void {
  const { db, log, cookies } = opts;

  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config.access ?? 'signed-in';
    if (access === 'public') return;
    const raw = req.cookies[cookies.session];
    const session = raw ? await findSession(db, raw) : null;
    if (session) {
      const authority = await loadAuthority(db, session.userId);
      attachSession(req, session, authority);
      if (access === 'signed-in' || !isEmptyScope(authority.scope(access))) return;
      log.warn({ by: session.username, url: req.url.slice(0, 256), needs: access }, 'refused: role missing');
      return sendPage(
        reply,
        'problem',
        { title: 'Not allowed', user: session.username, csrf: session.csrf },
        {
          heading: 'Not allowed',
          message: `This needs the "${access}" permission, which none of your roles grants. Ask an administrator (camsweep collector user grant).`,
        },
        403,
      );
    }
    if (req.method === 'GET' || req.method === 'HEAD') return reply.redirect('/login', 303);
    return sendPage(
      reply.header('connection', 'close'),
      'problem',
      { title: 'Signed out', user: null, csrf: null },
      { heading: 'Signed out', message: 'Your session ended; sign in again.' },
      403,
    );
  });

  app.addHook('preValidation', async (req, reply) => {
    if (req.method !== 'POST' || req.routeOptions.config.access === 'public') return;
    const session = maybeSession(req);
    if (session && sameOrigin(req) && sameText(field(req.body, '_csrf').slice(0, 256), session.csrf)) return;
    log.warn({ ip: req.ip, url: req.url.slice(0, 256) }, 'form refused: CSRF token or origin mismatch');
    return sendPage(
      reply,
      'problem',
      { title: 'Refused', user: session?.username ?? null, csrf: session?.csrf ?? null },
      {
        heading: 'Request refused',
        message: 'The form was stale or came from another site. Reload the page and try again.',
      },
      403,
    );
  });
}
