/**
 * Drives the collector's sign-in form the way a browser does (GET the form for its CSRF cookie
 * and field, POST it), for the directory tests that do not need a real browser.
 */
import type { FastifyInstance } from 'fastify';
import { hiddenCsrf } from '../suite.js';

export function cookiesOf(setCookie: string | string[] | undefined): Record<string, string> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(
    list.map((c) => {
      const pair = c.split(';')[0]!;
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

export interface SignInResult {
  readonly status: number;
  readonly body: string;
  /** `csw_session=…` when a session was started, else ''. */
  readonly cookie: string;
}

export async function passwordSignIn(
  app: FastifyInstance,
  username: string,
  password: string,
  method: 'ldap' | 'local' = 'ldap',
): Promise<SignInResult> {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const login = cookiesOf(form.headers['set-cookie']).csw_login ?? '';
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: `csw_login=${login}` },
    payload: { username, password, method, _csrf: hiddenCsrf(form.body) },
  });
  const session = cookiesOf(res.headers['set-cookie']).csw_session;
  return { status: res.statusCode, body: res.body, cookie: session ? `csw_session=${session}` : '' };
}

/** The site names the overview shows to the holder of a session cookie. */
export async function overviewSites(app: FastifyInstance, cookie: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
  if (res.statusCode !== 200) throw new Error(`overview answered ${res.statusCode}`);
  return [...res.body.matchAll(/<h2><a href="\/devices\?site=[^"]*">([^<]*)<\/a><\/h2>/g)].map((m) => m[1]!);
}

/** The message of the sign-in page's error paragraph, unescaped enough to compare. */
export function loginError(html: string): string {
  const m = /<p class="error" role="alert">([^<]*)<\/p>/.exec(html);
  return (m?.[1] ?? '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
