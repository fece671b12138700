import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe, planTargets } from '../../../../src/agent/probes/http/index.js';
import { loopbackContext, valuesOf } from './context.js';
import { makeCert, type Running, startHttp, startRaw, type TestCert } from './servers.js';

const HIK_REALM = 'IP Camera(C2183)';
const FAVICON = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));

function hikvisionRoutes() {
  return {
    '/': (_req: unknown, res: import('node:http').ServerResponse) => {
      res.setHeader('Server', 'App-webs/');
      res.setHeader('Content-Type', 'text/html');
      res.end(
        '<html><head><title> Web  Client&amp;co </title></head><script>location.href="/doc/page/login.asp"</script></html>',
      );
    },
    '/doc/page/login.asp': (_req: unknown, res: import('node:http').ServerResponse) => {
      res.setHeader('Server', 'App-webs/');
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end('<!DOCTYPE html><html><head><title>Login</title></head><body></body></html>');
    },
    '/favicon.ico': (_req: unknown, res: import('node:http').ServerResponse) => {
      res.setHeader('Content-Type', 'image/x-icon');
      res.end(FAVICON);
    },
    '/ISAPI/System/deviceInfo': (_req: unknown, res: import('node:http').ServerResponse) => {
      res.statusCode = 401;
      res.setHeader('Server', 'App-webs/');
      // A UTF-8 realm arrives as latin1 chars in both HTTP stacks and must come out decoded.
      res.setHeader(
        'WWW-Authenticate',
        Buffer.from(
          `Digest qop="auth", realm="${HIK_REALM} ☃", nonce="4e54", stale="FALSE"`,
          'utf8',
        ).toString('latin1'),
      );
      res.end();
    },
  };
}

describe('http probe against loopback web servers', () => {
  let cert: TestCert;
  let plain: Running;
  let secure: Running;
  beforeAll(async () => {
    cert = await makeCert('/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com');
    plain = await startHttp(hikvisionRoutes());
    secure = await startHttp(hikvisionRoutes(), cert);
  });
  afterAll(async () => {
    await plain?.close();
    await secure?.close();
  });

  it('records status, headers, title, realm, favicon hash and the TLS certificate per port', async () => {
    const run = loopbackContext({ ports: [plain.port, secure.port], tlsPorts: [secure.port] });
    await httpProbe.run(run.ctx);
    expect(run.refused).toEqual([]);
    for (const port of [plain.port, secure.port]) {
      expect(valuesOf(run.emitted, 'http.status', { port, path: '/' })).toEqual([200]);
      expect(valuesOf(run.emitted, 'http.header.server', { port, path: '/' })).toEqual(['App-webs/']);
      expect(valuesOf(run.emitted, 'http.html.title', { port, path: '/' })).toEqual(['Web Client&co']);
      // The script redirect on / is followed once, same origin.
      expect(valuesOf(run.emitted, 'http.html.title', { port, path: '/doc/page/login.asp' })).toEqual([
        'Login',
      ]);
      expect(valuesOf(run.emitted, 'http.status', { port, path: '/ISAPI/System/deviceInfo' })).toEqual([401]);
      expect(valuesOf(run.emitted, 'http.auth.realm', { port, path: '/ISAPI/System/deviceInfo' })).toEqual([
        `${HIK_REALM} ☃`,
      ]);
      expect(valuesOf(run.emitted, 'http.favicon.mmh3', { port })).toHaveLength(1);
    }
    expect(valuesOf(run.emitted, 'tls.cert.subject', { port: secure.port })).toEqual([
      'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN',
    ]);
    expect(valuesOf(run.emitted, 'tls.cert.issuer', { port: secure.port })).toEqual([
      'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN',
    ]);
    expect(valuesOf(run.emitted, 'tls.cert.sha256', { port: secure.port })[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(valuesOf(run.emitted, 'tls.cert.subject', { port: plain.port })).toEqual([]);
    // No Dahua hint anywhere, so the Dahua login challenge is never posted.
    expect(plain.seen.some((r) => r.startsWith('POST'))).toBe(false);
    expect(run.packets()).toBeGreaterThan(0);
  });
});

describe('http probe edge cases', () => {
  it('finds HTTPS on a port planned as plain HTTP, and plain HTTP on a planned HTTPS port', async () => {
    const cert = await makeCert('/CN=192.0.2.1');
    const secure = await startHttp({ '/': (_req, res) => res.end('<title>tls</title>') }, cert);
    const plain = await startHttp({ '/': (_req, res) => res.end('<title>plain</title>') });
    try {
      const run = loopbackContext({
        ports: [secure.port, plain.port],
        tlsPorts: [plain.port],
        config: { vendorPaths: false, favicon: false },
      });
      await httpProbe.run(run.ctx);
      expect(valuesOf(run.emitted, 'http.html.title', { port: secure.port })).toEqual(['tls']);
      expect(valuesOf(run.emitted, 'tls.cert.subject', { port: secure.port })).toEqual(['CN=192.0.2.1']);
      expect(valuesOf(run.emitted, 'http.html.title', { port: plain.port })).toEqual(['plain']);
      expect(valuesOf(run.emitted, 'tls.cert.subject', { port: plain.port })).toEqual([]);
    } finally {
      await secure.close();
      await plain.close();
    }
  });

  it('talks to TLS 1.0-only firmware (discovery, not trust)', async () => {
    const cert = await makeCert('/O=HIKVISION/CN=old-dvr');
    const legacy = { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
    const old = await startHttp(
      { '/': (_req, res) => res.end('<title>old</title>') },
      { ...cert, options: legacy },
    );
    try {
      const run = loopbackContext({
        ports: [old.port],
        tlsPorts: [old.port],
        config: { vendorPaths: false, favicon: false },
      });
      await httpProbe.run(run.ctx);
      expect(valuesOf(run.emitted, 'http.html.title', { port: old.port })).toEqual(['old']);
      expect(valuesOf(run.emitted, 'tls.cert.subject', { port: old.port })).toEqual([
        'CN=old-dvr,O=HIKVISION',
      ]);
    } finally {
      await old.close();
    }
  });

  it('records at most 64 headers of a response and skips names unfit for keys', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `X-H${i}: v${i}\r\n`).join('');
    const peer = await startRaw((socket) =>
      socket.end(`HTTP/1.1 200 OK\r\n${many}Content-Length: 0\r\nConnection: close\r\n\r\n`),
    );
    try {
      const run = loopbackContext({ ports: [peer.port], config: { vendorPaths: false, favicon: false } });
      await httpProbe.run(run.ctx);
      expect(run.emitted.filter((o) => o.key.startsWith('http.header.'))).toHaveLength(64);
      expect(run.refused).toEqual([]);
    } finally {
      await peer.close();
    }
  });
});

describe('target planning', () => {
  const settings = { ports: [80, 81, 443, 8080, 8443], tlsPorts: new Set([443, 8443]) };
  const inScope = (h: string) => h.startsWith('10.');

  it('queries only open web ports, never the Hikvision SDK port 8000', () => {
    const plans = planTargets(new Map([['10.0.0.5', new Set([22, 80, 554, 8000, 8443])]]), inScope, settings);
    expect(plans).toEqual([
      {
        host: '10.0.0.5',
        targets: [
          { host: '10.0.0.5', port: 80, tls: false },
          { host: '10.0.0.5', port: 8443, tls: true },
        ],
      },
    ]);
  });

  it('tries 80 and 443 directly on a host no sweep reported ports for', () => {
    const plans = planTargets(new Map([['10.0.0.6', new Set<number>()]]), inScope, settings);
    expect(plans[0]?.targets).toEqual([
      { host: '10.0.0.6', port: 80, tls: false },
      { host: '10.0.0.6', port: 443, tls: true },
    ]);
  });

  it('skips hosts without web ports and hosts outside the scope', () => {
    const known = new Map([
      ['10.0.0.7', new Set([554, 37777])],
      ['192.0.2.9', new Set([80])],
    ]);
    expect(planTargets(known, inScope, settings)).toEqual([]);
  });
});
