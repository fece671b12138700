import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from '../../../../src/probes/http/index.js';
import { loopbackContext, valuesOf } from './context.js';
import { makeCert, type Running, startHttp, type TestCert } from './servers.js';

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
    cert = makeCert('/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com');
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
