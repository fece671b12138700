/**
 * The dashboard: login, overview, device list, device page with remediation, exports. Every
 * page is rendered by eta with auto-escaping; every state-changing form carries the session's
 * CSRF token and is refused from another origin. Sessions and login throttling live in the
 * database, so any collector instance can serve any request.
 */
import { Readable } from 'node:stream';
import type {} from '@fastify/cookie'; // request.cookies / reply.setCookie types
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rulesFreshness } from '../contract/rules-as-of.js';
import type { Verdict } from '../contract/types.js';
import type { Logger } from '../core/log.js';
import { loadRiskAssessor, type RiskAssessor } from '../knowledge/advisories/index.js';
import type { Database } from './db/index.js';
import { devicesCsv, devicesJson } from './export.js';
import { randomSecret, sameText } from './secrets.js';
import {
  authenticate,
  createSession,
  deleteSession,
  findSession,
  LOGIN_MAX_FAILURES_PER_IP,
  LOGIN_MAX_FAILURES_PER_USER,
  recentFailures,
  recordLogin,
  type Session,
} from './store/access.js';
import {
  type DeviceFilter,
  deviceDetail,
  deviceExtras,
  listDevices,
  overview,
  REMEDIATION_STATES,
  type RemediationState,
  setRemediation,
  siteNames,
  VERDICTS,
} from './store/queries.js';
import { type Frame, type PageName, renderPage, stylesheet } from './views/index.js';

const PAGE_SIZE = 50;

export interface CookieNames {
  readonly session: string;
  readonly login: string;
  readonly secure: boolean;
}

export function cookieNames(secure: boolean): CookieNames {
  // __Host- cookies are only accepted over HTTPS, for this exact host and path (RFC 6265bis).
  return secure
    ? { session: '__Host-csw_session', login: '__Host-csw_login', secure }
    : { session: 'csw_session', login: 'csw_login', secure };
}

type Body = Record<string, string | undefined>;

function field(body: unknown, name: string, max = 1024): string {
  const v = (body as Body | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
}

function parseFilter(query: unknown): DeviceFilter {
  const qs = (query ?? {}) as Body;
  const verdict = VERDICTS.includes(qs.verdict as Verdict) ? (qs.verdict as Verdict) : undefined;
  const state = REMEDIATION_STATES.includes(qs.state as RemediationState)
    ? (qs.state as RemediationState)
    : undefined;
  return {
    site: qs.site ? qs.site.slice(0, 128) : undefined,
    verdict,
    state,
    q: qs.q ? qs.q.slice(0, 128) : undefined,
  };
}

function filterQuery(filter: DeviceFilter, page?: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, String(v));
  if (page && page > 1) params.set('page', String(page));
  return params.toString();
}

/** Cross-origin form posts are refused even before the CSRF token is checked. */
function sameOrigin(req: FastifyRequest): boolean {
  if (
    req.headers['sec-fetch-site'] &&
    req.headers['sec-fetch-site'] !== 'same-origin' &&
    req.headers['sec-fetch-site'] !== 'none'
  ) {
    return false;
  }
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin !== 'null';
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function registerDashboard(
  app: FastifyInstance,
  deps: { db: Database; log: Logger; cookies: CookieNames },
): void {
  const { db, log, cookies } = deps;
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: cookies.secure };

  const page = (reply: FastifyReply, name: PageName, frame: Frame, data: object, status = 200) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderPage(name, frame, data));

  const sessionOf = async (req: FastifyRequest): Promise<Session | null> => {
    const raw = req.cookies[cookies.session];
    return raw ? findSession(db, raw) : null;
  };

  /** Resolves the session or answers (redirect to login / 403) and returns null. */
  const requireSession = async (
    req: FastifyRequest,
    reply: FastifyReply,
    post: boolean,
  ): Promise<Session | null> => {
    const session = await sessionOf(req);
    if (!session) {
      if (post)
        await page(
          reply,
          'problem',
          { title: 'Signed out', user: null, csrf: null },
          { heading: 'Signed out', message: 'Your session ended; sign in again.' },
          403,
        );
      else await reply.redirect('/login', 303);
      return null;
    }
    if (post && (!sameOrigin(req) || !sameText(field(req.body, '_csrf', 256), session.csrf))) {
      log.warn({ ip: req.ip, url: req.url }, 'form refused: CSRF token or origin mismatch');
      await page(
        reply,
        'problem',
        { title: 'Refused', user: session.username, csrf: session.csrf },
        {
          heading: 'Request refused',
          message: 'The form was stale or came from another site. Reload the page and try again.',
        },
        403,
      );
      return null;
    }
    return session;
  };

  const frame = (s: Session, title: string): Frame => ({ title, user: s.username, csrf: s.csrf });

  app.get('/static/app.css', async (_req, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'max-age=3600')
      .send(stylesheet),
  );

  const showLogin = (reply: FastifyReply, error: string | null, username: string, status = 200) => {
    const token = randomSecret(24);
    reply.setCookie(cookies.login, token, { ...cookieOptions, maxAge: 1800 });
    return page(
      reply,
      'login',
      { title: 'Sign in', user: null, csrf: null },
      { error, username, loginCsrf: token },
      status,
    );
  };

  app.get('/login', async (_req, reply) => showLogin(reply, null, ''));

  app.post('/login', async (req, reply) => {
    const username = field(req.body, 'username', 128).trim();
    const password = field(req.body, 'password', 1024);
    const expected = req.cookies[cookies.login] ?? '';
    if (!sameOrigin(req) || !expected || !sameText(field(req.body, '_csrf', 256), expected)) {
      return showLogin(reply, 'The sign-in form expired. Please try again.', username, 403);
    }
    const failures = await recentFailures(db, username, req.ip);
    if (failures.user >= LOGIN_MAX_FAILURES_PER_USER || failures.ip >= LOGIN_MAX_FAILURES_PER_IP) {
      log.warn({ ip: req.ip }, 'login throttled');
      reply.header('retry-after', '900');
      return showLogin(reply, 'Too many failed sign-ins. Wait 15 minutes and try again.', username, 429);
    }
    const userId = username && password ? await authenticate(db, username, password) : null;
    await recordLogin(db, username, req.ip, userId !== null);
    if (userId === null) {
      log.warn({ ip: req.ip }, 'login failed');
      return showLogin(reply, 'Wrong user name or password.', username, 401);
    }
    const session = await createSession(db, userId);
    reply.clearCookie(cookies.login, cookieOptions);
    reply.setCookie(cookies.session, session.cookie, { ...cookieOptions, maxAge: session.maxAgeS });
    return reply.redirect('/', 303);
  });

  app.post('/logout', async (req, reply) => {
    const s = await requireSession(req, reply, true);
    if (!s) return reply;
    await deleteSession(db, req.cookies[cookies.session] ?? '');
    reply.clearCookie(cookies.session, cookieOptions);
    return reply.redirect('/login', 303);
  });

  app.get('/', async (req, reply) => {
    const s = await requireSession(req, reply, false);
    if (!s) return reply;
    const sites = (await overview(db)).map((site) => {
      const max = Math.max(1, ...site.trend.map((t) => t.covered + t.suspect + t.notCovered + t.unknown));
      const bars = site.trend.map((t, i) => {
        let y = 60;
        const parts = (
          [
            ['covered', t.covered],
            ['suspect', t.suspect],
            ['not-covered', t.notCovered],
            ['unknown', t.unknown],
          ] as const
        ).map(([verdict, n]) => {
          const h = Math.round((n / max) * 58);
          y -= h;
          return { verdict, y, h };
        });
        return {
          x: i * 18,
          parts,
          label: `${t.at}: ${t.covered} covered, ${t.suspect} suspect, ${t.notCovered} not covered, ${t.unknown} unknown`,
        };
      });
      const rules = site.rulesVersion
        ? rulesFreshness({ rulesVersion: site.rulesVersion }, new Date())
        : null;
      return { ...site, bars, width: Math.max(18, bars.length * 18), rules };
    });
    return page(reply, 'overview', frame(s, 'Overview'), { sites });
  });

  app.get('/devices', async (req, reply) => {
    const s = await requireSession(req, reply, false);
    if (!s) return reply;
    const filter = parseFilter(req.query);
    const pageNo = Math.max(1, Math.min(100_000, Number((req.query as Body).page) || 1));
    const { rows, total } = await listDevices(db, filter, {
      offset: (pageNo - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    return page(reply, 'devices', frame(s, 'Devices'), {
      rows,
      total,
      filter,
      sites: await siteNames(db),
      verdicts: VERDICTS,
      states: REMEDIATION_STATES,
      query: filterQuery(filter),
      page: pageNo,
      pages,
      prev: pageNo > 1 ? filterQuery(filter, pageNo - 1) : null,
      next: pageNo < pages ? filterQuery(filter, pageNo + 1) : null,
    });
  });

  let assessor: RiskAssessor | undefined;
  const showDevice = async (
    reply: FastifyReply,
    s: Session,
    id: number,
    error: string | null,
    status = 200,
  ) => {
    const d = Number.isSafeInteger(id) ? await deviceDetail(db, id) : null;
    if (!d) {
      return page(
        reply,
        'problem',
        frame(s, 'Not found'),
        { heading: 'No such device', message: 'It may have been deleted.' },
        404,
      );
    }
    // Firmware risk is recomputed from the stored firmware string against today's advisories.
    assessor ??= loadRiskAssessor();
    const risks = assessor.risks(
      {
        manufacturer: d.manufacturer,
        brand: d.brand,
        deviceType: d.deviceType as Parameters<RiskAssessor['risks']>[0]['deviceType'],
        model: d.model,
        firmware: d.firmware,
        serial: d.serial,
        confidence: d.confidence,
      },
      new Date(),
    );
    return page(
      reply,
      'device',
      frame(s, `${d.ip} · ${d.site}`),
      { d, risks, states: REMEDIATION_STATES, error },
      status,
    );
  };

  app.get('/devices/:id', async (req, reply) => {
    const s = await requireSession(req, reply, false);
    if (!s) return reply;
    return showDevice(reply, s, Number((req.params as Body).id), null);
  });

  app.post('/devices/:id/remediation', async (req, reply) => {
    const s = await requireSession(req, reply, true);
    if (!s) return reply;
    const id = Number((req.params as Body).id);
    const state = field(req.body, 'state', 32) as RemediationState;
    const approver = field(req.body, 'approver', 128).trim() || null;
    const reason = field(req.body, 'reason', 1024).trim() || null;
    const expires = field(req.body, 'expires', 32).trim();
    if (!REMEDIATION_STATES.includes(state))
      return showDevice(reply, s, id, 'Choose a remediation state.', 400);
    let expiresAt: string | null = null;
    if (state === 'exempted') {
      // rules.md §4 need 5: an exception names who approved it, why, and until when.
      if (!approver || !reason || !/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(expires))) {
        return showDevice(reply, s, id, 'An exemption needs an approver, a reason and an expiry date.', 400);
      }
      expiresAt = `${expires}T23:59:59.999Z`;
    }
    const ok = await setRemediation(
      db,
      id,
      { state, approver: state === 'exempted' ? approver : null, reason, expiresAt },
      s.username,
    );
    if (!ok) return showDevice(reply, s, id, null, 404);
    log.info({ deviceId: id, state, by: s.username }, 'remediation recorded');
    return reply.redirect(`/devices/${id}`, 303);
  });

  const exportHeaders = (reply: FastifyReply, type: string, ext: string) =>
    reply
      .header('content-type', type)
      .header('cache-control', 'no-store')
      .header(
        'content-disposition',
        `attachment; filename="camsweep-devices-${new Date().toISOString().slice(0, 10)}.${ext}"`,
      );

  app.get('/export/devices.csv', async (req, reply) => {
    const s = await requireSession(req, reply, false);
    if (!s) return reply;
    log.info({ by: s.username }, 'CSV export');
    return exportHeaders(reply, 'text/csv; charset=utf-8', 'csv').send(
      Readable.from(devicesCsv(db, parseFilter(req.query))),
    );
  });

  app.get('/export/devices.json', async (req, reply) => {
    const s = await requireSession(req, reply, false);
    if (!s) return reply;
    log.info({ by: s.username }, 'JSON export');
    const stream = devicesJson(db, parseFilter(req.query), (id) => deviceExtras(db, id));
    return exportHeaders(reply, 'application/json; charset=utf-8', 'json').send(Readable.from(stream));
  });
}
