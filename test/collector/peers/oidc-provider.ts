/**
 * A real OpenID provider for tests: the `oidc-provider` package (a certified implementation)
 * over HTTPS with a test CA on 127.0.0.1. One confidential client (the collector), PKCE
 * required, users whose `groups` claim the test can change, and the package's development
 * login pages (they take any password; the user must exist here for tokens to be issued).
 * Consent is granted up front so a sign-in is: authorize → login form → back to the collector.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';
import type { TestPki } from '../../helpers/pki.js';

export const CLIENT_ID = 'camsweep-collector';
export const CLIENT_SECRET = 'oidc-test-client-secret-0123456789';

export interface RunningProvider {
  readonly issuer: string;
  /** Group claim values per user; change them to change what the next sign-in carries. */
  readonly users: Map<string, string[]>;
  stop(): Promise<void>;
}

export async function startProvider(
  pki: TestPki,
  redirectUri: string,
  users: Record<string, string[]>,
): Promise<RunningProvider> {
  const groups = new Map(Object.entries(users));
  const server: Server = createServer({
    key: readFileSync(pki.serverKey),
    cert: readFileSync(pki.serverCert),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], groups: ['groups'] },
    // Put the scope's claims in the ID token, as Entra ID does with its groups claim.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string) {
      if (!groups.has(id)) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, preferred_username: id, name: id, groups: groups.get(id) ?? [] }),
      };
    },
    async loadExistingGrant(ctx: {
      oidc: {
        provider: { Grant: new (p: object) => GrantLike };
        client: { clientId: string };
        session: { accountId: string };
      };
    }) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile groups');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    users: groups,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

interface GrantLike {
  addOIDCScope(scope: string): void;
  save(): Promise<unknown>;
}

/**
 * What a browser does at the provider, without a browser: follows the authorization URL, fills
 * the development login form as `user`, and returns the URL the provider sends back to the
 * collector (with the code and state), not yet visited.
 */
export async function loginAtProvider(pki: TestPki, authorizationUrl: string, user: string): Promise<string> {
  const dispatcher = new Agent({ connect: { ca: readFileSync(pki.ca) } });
  const jar = new Map<string, string>();
  const request = async (url: string, init: { method?: string; body?: string } = {}) => {
    const res = await undiciFetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      dispatcher,
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.body ? { body: init.body } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  };
  let step = await request(authorizationUrl);
  const interaction = new URL(step.location ?? '', authorizationUrl).href;
  const form = await request(interaction);
  const action = /<form[^>]*action="([^"]+)"/.exec(form.body)?.[1];
  if (!action) throw new Error(`no login form at ${interaction} (${form.status})`);
  step = await request(new URL(action, interaction).href, {
    method: 'POST',
    body: new URLSearchParams({ prompt: 'login', login: user, password: 'any' }).toString(),
  });
  // Resume the authorization: each hop is on the provider until it redirects to the collector.
  let next = new URL(step.location ?? '', interaction);
  for (let hops = 0; hops < 5 && next.origin === new URL(authorizationUrl).origin; hops++) {
    step = await request(next.href);
    next = new URL(step.location ?? '', next);
  }
  return next.href;
}
