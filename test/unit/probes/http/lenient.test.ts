/**
 * Non-conforming and hostile HTTP from a raw TCP peer on loopback: the strict parser's
 * refusals fall back to the lenient one (once), the body cap holds on both paths, and slow
 * peers are cut off by the request budget. Run inside `unshare -n` (npm test does).
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../../src/agent/probes/http/client.js';
import { httpProbe } from '../../../../src/agent/probes/http/index.js';
import type { HttpOutcome } from '../../../../src/agent/probes/http/wire.js';
import { LOOPBACK, loopbackContext, valuesOf } from './context.js';
import { type Running, startRaw } from './servers.js';

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});

async function raw(respond: (socket: Socket, head: string) => void): Promise<Running> {
  const r = await startRaw(respond);
  running.push(r);
  return r;
}

const never = new AbortController().signal;

/** One `GET /` to a loopback peer through a fresh client, closed afterwards. */
async function getRoot(peer: Running, timeoutMs = 2000, bodyCapBytes = 65_536): Promise<HttpOutcome> {
  const client = new HttpClient({ timeoutMs, bodyCapBytes, userAgent: 'camsweep-test' });
  try {
    return await client.send(
      { host: LOOPBACK, port: peer.port, tls: false },
      { method: 'GET', path: '/' },
      never,
    );
  } finally {
    await client.close();
  }
}

describe('lenient fallback', () => {
  it.each([
    [
      'bare LF line endings',
      'HTTP/1.1 200 OK\nServer: uc-httpd 1.0.0\nContent-Type: text/html\nContent-Length: 36\n\n<html><title>NETSurveillance</title>',
      'bare-lf',
    ],
    [
      'Content-Length with Transfer-Encoding',
      'HTTP/1.1 200 OK\r\nServer: uc-httpd 1.0.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      'content-length-with-transfer-encoding',
    ],
    [
      'a control character in a header value',
      'HTTP/1.1 200 OK\r\nServer: uc-httpd\u00011.0\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello',
      'invalid-header-character',
    ],
  ])('reads a response with %s and names the quirk', async (_name, reply, quirk) => {
    const peer = await raw((socket) => socket.end(Buffer.from(reply, 'latin1')));
    const outcome = await getRoot(peer);
    expect(outcome).toMatchObject({ ok: true, response: { status: 200 } });
    if (!outcome.ok) return;
    expect(outcome.response.lenient).toBe(quirk);
    expect(outcome.response.headers.find(([n]) => n === 'server')?.[1]).toMatch(/^uc-httpd/);
    // One strict attempt, one lenient retry: never more.
    expect(peer.seen).toHaveLength(2);
  });

  it('reports a response both parsers refuse as malformed, without throwing', async () => {
    const peer = await raw((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nServer : x\r\nContent-Length: 0\r\n\r\n'),
    );
    const outcome = await getRoot(peer);
    expect(outcome).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('emits http.lenient beside the usual observations in a probe run', async () => {
    const peer = await raw((socket) =>
      socket.end(
        'HTTP/1.0 200 OK\nServer: Boa/0.94.14rc21\nContent-Type: text/html\n\n<title>DVR Login</title>',
      ),
    );
    const run = loopbackContext({ ports: [peer.port], config: { vendorPaths: false, favicon: false } });
    await httpProbe.run(run.ctx);
    expect(valuesOf(run.emitted, 'http.lenient', { path: '/' })).toEqual(['bare-lf']);
    expect(valuesOf(run.emitted, 'http.header.server')).toEqual(['Boa/0.94.14rc21']);
    expect(valuesOf(run.emitted, 'http.html.title')).toEqual(['DVR Login']);
  });
});

describe('body cap', () => {
  const TEN_MB = 10 * 1024 * 1024;

  function tenMegabytes(head: string) {
    return (socket: Socket) => {
      socket.write(head);
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < TEN_MB) {
          sent += chunk.length;
          if (!socket.write(chunk)) return socket.once('drain', pump);
        }
        socket.end();
      };
      socket.on('error', () => {});
      pump();
    };
  }

  it.each([
    ['strict', `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${TEN_MB}\r\n\r\n`, null],
    ['lenient', `HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: ${TEN_MB}\n\n`, 'bare-lf'],
  ])('keeps at most the cap of a 10 MB body on the %s path', async (_path, head, lenient) => {
    const peer = await raw(tenMegabytes(head));
    const started = Date.now();
    const outcome = await getRoot(peer, 5000, 65_536);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.response.body.length).toBe(65_536);
    expect(outcome.response.truncated).toBe(true);
    expect(outcome.response.lenient).toBe(lenient);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('caps the http.body observation too', async () => {
    const peer = await raw(tenMegabytes(`HTTP/1.1 200 OK\r\nContent-Length: ${TEN_MB}\r\n\r\n`));
    const run = loopbackContext({
      ports: [peer.port],
      config: { vendorPaths: false, favicon: false, bodyCap: 262_144 },
    });
    await httpProbe.run(run.ctx);
    const body = valuesOf(run.emitted, 'http.body')[0] as string;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.endsWith('…')).toBe(true);
  });
});

describe('slow peers', () => {
  function drip(head: string, everyMs: number) {
    return (socket: Socket) => {
      let i = 0;
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(i < head.length ? head[i++]! : 'x');
      }, everyMs);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => {});
    };
  }

  it('gives up on headers dripped a byte at a time at the request budget', async () => {
    const peer = await raw(drip('HTTP/1.1 200 OK\r\nServer: slow\r\n'.padEnd(4000, 'x'), 50));
    const started = Date.now();
    const outcome = await getRoot(peer, 600);
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it.each([
    ['strict', 'HTTP/1.1 200 OK\r\nServer: drip\r\nContent-Length: 100000000\r\n\r\n', null],
    ['lenient', 'HTTP/1.1 200 OK\nServer: drip\nContent-Length: 100000000\n\n', 'bare-lf'],
  ])(
    'keeps the headers of an endless dripped body, cut at the budget (%s path)',
    async (_path, head, lenient) => {
      const peer = await raw((socket) => {
        socket.write(head);
        drip('', 50)(socket);
      });
      const started = Date.now();
      const outcome = await getRoot(peer, 600);
      expect(outcome).toMatchObject({ ok: true, response: { status: 200, truncated: true, lenient } });
      if (outcome.ok) {
        expect(outcome.response.headers).toContainEqual(['server', 'drip']);
        expect(outcome.response.body.length).toBeGreaterThan(0);
      }
      expect(Date.now() - started).toBeLessThan(2000);
    },
  );

  it('keeps a lenient response followed by trailing garbage', async () => {
    const peer = await raw((socket) =>
      socket.end(
        'HTTP/1.1 200 OK\nServer: x\nContent-Length: 5\n\nhello, and then some bytes no parser expects',
      ),
    );
    const outcome = await getRoot(peer, 2000);
    expect(outcome).toMatchObject({ ok: true, response: { status: 200, lenient: 'bare-lf' } });
    if (outcome.ok) expect(outcome.response.body.toString()).toBe('hello');
  });

  it('stops a probe run promptly when the scan is aborted', async () => {
    const peer = await raw(drip('HTTP/1.1 200 OK\r\n'.padEnd(4000, 'x'), 100));
    const abort = new AbortController();
    const run = loopbackContext({ ports: [peer.port], config: { timeout: 30_000 } });
    const ctx = { ...run.ctx, signal: AbortSignal.any([run.ctx.signal, abort.signal]) };
    const started = Date.now();
    setTimeout(() => abort.abort(), 300);
    await httpProbe.run(ctx);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(run.emitted).toEqual([]);
  });
});
