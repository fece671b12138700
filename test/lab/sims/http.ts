/**
 * HTTP(S) web UI of a lab device, answering exactly what the fixture describes: status,
 * headers and body per path, a `Server` header (or none, like Dahua), and an HTTP Digest
 * challenge in the vendor's own shape (docs/protocols.md §1.6, §5.2, §5.3). Spec: test/lab/README.md.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillPlaceholders, readAnswer } from './answers.js';
import { writeSelfSignedCert } from './lighttpd.js';
import type { RunningSim, SimContext } from './types.js';

interface Route {
  readonly path: string;
  readonly method: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly auth: 'digest' | null;
}

interface Digest {
  readonly challenge: string;
  readonly realm: string;
  readonly nonce: 'hikvision' | 'hex32' | 'base64' | 'digits';
  readonly user: string | null;
  readonly password: string | null;
  readonly body: string;
}

interface Listener {
  readonly port: number;
  readonly tlsSubject: string | null;
}

const MAX_NONCES = 1000;

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`http: ${what} must be a mapping`);
  return v as Record<string, unknown>;
}

/** Inline strings take the same placeholders as answer files (`realm: AXIS_{{macHexUpper}}`). */
function fill(ctx: SimContext, text: string): string {
  return fillPlaceholders(text, ctx);
}

function stringMap(ctx: SimContext, v: unknown, what: string): Record<string, string> {
  return Object.fromEntries(Object.entries(asRecord(v, what)).map(([k, x]) => [k, fill(ctx, String(x))]));
}

function bodyOf(ctx: SimContext, section: Record<string, unknown>): string {
  if (typeof section.body === 'string') return readAnswer(ctx, section.body);
  return typeof section.text === 'string' ? fill(ctx, section.text) : '';
}

function parseRoutes(ctx: SimContext): Route[] {
  const raw = ctx.spec.routes ?? [];
  if (!Array.isArray(raw)) throw new Error('http: routes must be a list');
  return raw.map((r, i) => {
    const section = asRecord(r, `routes[${i}]`);
    if (typeof section.path !== 'string' || !section.path.startsWith('/'))
      throw new Error(`http: routes[${i}].path must start with /`);
    return {
      path: section.path,
      method: typeof section.method === 'string' ? section.method.toUpperCase() : 'GET',
      status: typeof section.status === 'number' ? section.status : 200,
      headers: stringMap(ctx, section.headers, `routes[${i}].headers`),
      body: bodyOf(ctx, section),
      auth: section.auth === 'digest' ? 'digest' : null,
    };
  });
}

function parseDigest(ctx: SimContext): Digest | null {
  if (ctx.spec.digest === undefined) return null;
  const d = asRecord(ctx.spec.digest, 'digest');
  const nonce = d.nonce ?? 'hex32';
  if (nonce !== 'hikvision' && nonce !== 'hex32' && nonce !== 'base64' && nonce !== 'digits') {
    throw new Error('http: digest.nonce must be hikvision, hex32, base64 or digits');
  }
  if (typeof d.realm !== 'string') throw new Error('http: digest.realm is required');
  return {
    challenge:
      typeof d.challenge === 'string' ? d.challenge : 'Digest realm="{realm}", qop="auth", nonce="{nonce}"',
    realm: fill(ctx, d.realm),
    nonce,
    user: typeof d.user === 'string' ? d.user : null,
    password: typeof d.password === 'string' ? d.password : null,
    body: bodyOf(ctx, d),
  };
}

function parseListeners(spec: Record<string, unknown>): Listener[] {
  const raw = spec.listen ?? [{ port: 80 }];
  if (!Array.isArray(raw) || raw.length === 0) throw new Error('http: listen must be a non-empty list');
  return raw.map((l, i) => {
    const section = asRecord(l, `listen[${i}]`);
    if (typeof section.port !== 'number') throw new Error(`http: listen[${i}].port is required`);
    const tls = section.tls === undefined ? null : asRecord(section.tls, `listen[${i}].tls`);
    return { port: section.port, tlsSubject: tls ? String(tls.subject ?? '/CN=camera') : null };
  });
}

function makeNonce(style: Digest['nonce']): string {
  switch (style) {
    // Hikvision: the hex encoding of a base64 string, so it ends in 3d3d ("==") (§5.2).
    case 'hikvision':
      return Buffer.from(randomBytes(16).toString('base64')).toString('hex');
    case 'base64':
      return randomBytes(18).toString('base64');
    case 'digits':
      return String(randomInt(1_000_000, 2_000_000_000));
    default:
      return randomBytes(16).toString('hex');
  }
}

function parseAuthorization(header: string | undefined): Record<string, string> | null {
  if (!header?.toLowerCase().startsWith('digest ')) return null;
  const out: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g))
    out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** RFC 7616 MD5 with qop=auth (what Hikvision and Dahua use), against nonces we issued. */
function digestPasses(d: Digest, nonces: Set<string>, req: IncomingMessage): boolean {
  if (d.user === null || d.password === null) return false;
  const a = parseAuthorization(req.headers.authorization);
  if (!a || a.username !== d.user || a.realm !== d.realm || !a.nonce || !nonces.has(a.nonce)) return false;
  const ha1 = md5(`${d.user}:${d.realm}:${d.password}`);
  const ha2 = md5(`${req.method}:${a.uri}`);
  const expected = a.qop
    ? md5(`${ha1}:${a.nonce}:${a.nc}:${a.cnonce}:${a.qop}:${ha2}`)
    : md5(`${ha1}:${a.nonce}:${ha2}`);
  return expected === a.response;
}

/** Key and certificate for one TLS listener, made at start so no key is ever committed. */
async function selfSignedCert(subject: string): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-lab-tls-'));
  try {
    await writeSelfSignedCert(dir, subject);
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function findRoute(routes: readonly Route[], req: IncomingMessage): Route | undefined {
  const url = req.url ?? '/';
  const pathOnly = url.split('?')[0];
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const candidates = routes.filter((r) => r.method === method);
  return (
    candidates.find((r) => r.path === url) ??
    candidates.find((r) => !r.path.includes('?') && r.path === pathOnly)
  );
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  const routes = parseRoutes(ctx);
  const digest = parseDigest(ctx);
  const common = stringMap(ctx, ctx.spec.headers, 'headers');
  if (typeof ctx.spec.server === 'string') common.Server = fill(ctx, ctx.spec.server);
  const notFoundSection = asRecord(ctx.spec.notFound, 'notFound');
  const notFound = {
    status: typeof notFoundSection.status === 'number' ? notFoundSection.status : 404,
    headers: stringMap(ctx, notFoundSection.headers, 'notFound.headers'),
    body: bodyOf(ctx, notFoundSection),
  };
  const nonces = new Set<string>();

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string,
  ) => {
    const bytes = Buffer.from(body, 'utf8');
    res.writeHead(status, { ...common, ...headers, 'Content-Length': String(bytes.length) });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    ctx.log(
      `${req.socket.remoteAddress} ${JSON.stringify(req.method)} ${JSON.stringify((req.url ?? '').slice(0, 200))} -> ${status}`,
    );
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // bodies (RPC2_Login) are not inspected; drain them
    const route = findRoute(routes, req);
    if (!route) return send(req, res, notFound.status, notFound.headers, notFound.body);
    if (route.auth === 'digest' && digest && !digestPasses(digest, nonces, req)) {
      const nonce = makeNonce(digest.nonce);
      nonces.add(nonce);
      if (nonces.size > MAX_NONCES) nonces.delete(nonces.values().next().value!);
      const challenge = digest.challenge.replaceAll('{realm}', digest.realm).replaceAll('{nonce}', nonce);
      return send(req, res, 401, { 'WWW-Authenticate': challenge, 'Content-Type': 'text/html' }, digest.body);
    }
    return send(req, res, route.status, route.headers, route.body);
  };

  const servers: Server[] = [];
  try {
    for (const l of parseListeners(ctx.spec)) {
      const server = l.tlsSubject
        ? createHttpsServer({ ...(await selfSignedCert(l.tlsSubject)) }, handler)
        : createHttpServer(handler);
      server.on('clientError', (_err, socket) => socket.destroy());
      await new Promise<void>((resolvePromise, reject) => {
        server.once('error', reject);
        server.listen(l.port, ctx.ip, () => resolvePromise());
      });
      servers.push(server);
      ctx.log(`listening on ${ctx.ip}:${l.port}${l.tlsSubject ? ` (TLS, ${l.tlsSubject})` : ''}`);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return {
    async stop() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
