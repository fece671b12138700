/**
 * Loopback peers for the http probe's unit tests: a Node HTTP(S) server with scripted routes,
 * a raw TCP server that writes exactly the bytes a test gives it (for non-conforming HTTP),
 * and a throwaway self-signed certificate made with openssl at test time (no keys committed).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSelfSignedCert } from '../../../lab/sims/lighttpd.js';

export interface TestCert {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** Extra server TLS options, e.g. to behave like old firmware (TLS 1.0 only). */
  readonly options?: import('node:tls').TlsOptions;
}

export async function makeCert(subject: string): Promise<TestCert> {
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-http-cert-'));
  try {
    await writeSelfSignedCert(dir, subject);
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface Running {
  readonly port: number;
  /** Requests seen, `METHOD path`, in order. */
  readonly seen: string[];
  /** Authorization headers seen, in order. */
  readonly authorizations: string[];
  close(): Promise<void>;
}

function listen(server: net.Server, seen: string[], authorizations: string[]): Promise<Running> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        seen,
        authorizations,
        close: () =>
          new Promise((done) => {
            (server as http.Server).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/** An HTTP (or, with `tls`, HTTPS) server; `routes` maps `METHOD path` (or `path` for GET) to a handler. */
export function startHttp(routes: Record<string, Handler>, tls?: TestCert): Promise<Running> {
  const seen: string[] = [];
  const authorizations: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      if (req.headers.authorization) authorizations.push(req.headers.authorization);
      const route =
        routes[`${req.method} ${req.url}`] ?? (req.method === 'GET' ? routes[req.url ?? ''] : undefined);
      if (route) route(req, res, body);
      else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
  };
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert, ...tls.options }, handler)
    : http.createServer(handler);
  return listen(server, seen, authorizations);
}

/** A TCP server that answers every connection with `respond(socket, request)` once the request head arrived. */
export function startRaw(respond: (socket: Socket, head: string) => void): Promise<Running> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        seen.push(head.split('\r\n')[0]!);
        respond(socket, head);
      }
    });
  });
  return listen(server, seen, []).then((r) => ({
    ...r,
    close: () => {
      for (const s of sockets) s.destroy();
      return r.close();
    },
  }));
}

/**
 * Checks an RFC 7616 MD5/qop=auth Authorization header against a password, written here
 * independently of the probe's Digest helper so the two can disagree.
 */
export function digestMatches(header: string | undefined, method: string, password: string): boolean {
  if (!header?.startsWith('Digest ')) return false;
  const p: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) p[m[1]!] = m[2] ?? m[3] ?? '';
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const ha1 = md5(`${p.username}:${p.realm}:${password}`);
  const ha2 = md5(`${method}:${p.uri}`);
  return p.response === md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
}
