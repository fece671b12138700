/**
 * Credentialed reads against loopback Digest servers: one attempt per device, stop on
 * refusal, back off on lockout signals, only toward a vendor the host hinted at, and never
 * without configured credentials.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { httpProbe } from '../../../../src/agent/probes/http/index.js';
import { loopbackContext, valuesOf } from './context.js';
import { digestMatches, type Running, startHttp } from './servers.js';

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});

/** Starts a loopback server that the test's afterEach closes. */
async function serve(routes: Parameters<typeof startHttp>[0]): Promise<Running> {
  const server = await startHttp(routes);
  return server;
}

const PASSWORD = 'lab-only-secret';
const DEVICE_INFO =
  '<?xml version="1.0" encoding="UTF-8"?><DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><deviceName>IP CAMERA</deviceName><model>DS-2CD2143G2-I</model><serialNumber>DS-2CD2143G2-I20201012AAWRF12345678</serialNumber><macAddress>58:50:ed:1f:e3:85</macAddress><firmwareVersion>V5.7.3</firmwareVersion><deviceType>IPCamera</deviceType></DeviceInfo>';
const LOCKED =
  '<?xml version="1.0" encoding="UTF-8"?><userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString><lockStatus>lock</lockStatus><unlockTime>1787</unlockTime><retryLoginTime>0</retryLoginTime></userCheck>';

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

/** A digest-protected route: `onAuthorized` when the password matches, `onRefused` (default 401) otherwise. */
function protectedRoute(
  realm: string,
  body: string,
  options: { onRefused?: Reply; stale?: boolean } = {},
): Reply {
  let staleSent = false;
  return (req, res) => {
    const challenge = (stale: boolean) =>
      `Digest qop="auth", realm="${realm}", nonce="${stale ? 'fresh' : 'n0'}${Date.now()}", stale="${stale ? 'TRUE' : 'FALSE'}"`;
    const auth = req.headers.authorization;
    if (auth && digestMatches(auth, req.method ?? 'GET', PASSWORD)) {
      if (options.stale && !staleSent) {
        staleSent = true;
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', challenge(true));
        return res.end();
      }
      res.setHeader('Content-Type', 'application/xml');
      return res.end(body);
    }
    if (auth && options.onRefused) return options.onRefused(req, res);
    res.statusCode = 401;
    res.setHeader('WWW-Authenticate', challenge(false));
    res.end();
  };
}

function hikvision(options: { onRefused?: Reply; stale?: boolean } = {}) {
  return serve({
    '/': (_req, res) => {
      res.setHeader('Server', 'App-webs/');
      res.end('<html><head><title>Hik</title></head></html>');
    },
    '/ISAPI/System/deviceInfo': protectedRoute('IP Camera(C2183)', DEVICE_INFO, options),
  });
}

const authorized = (server: Running) => server.authorizations.length;

describe('credentialed Hikvision ISAPI read', () => {
  it('reads deviceInfo once with the right password', async () => {
    const server = await hikvision();
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: PASSWORD },
    });
    await httpProbe.run(run.ctx);
    const bodies = valuesOf(run.emitted, 'http.body', { path: '/ISAPI/System/deviceInfo' });
    expect(bodies.some((b) => String(b).includes('<model>DS-2CD2143G2-I</model>'))).toBe(true);
    expect(valuesOf(run.emitted, 'http.status', { path: '/ISAPI/System/deviceInfo' })).toEqual([401, 200]);
    expect(authorized(server)).toBe(1);
  });

  it('stops after one refused attempt with a wrong password', async () => {
    const server = await hikvision();
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: 'wrong' },
    });
    await httpProbe.run(run.ctx);
    expect(authorized(server)).toBe(1);
    expect(valuesOf(run.emitted, 'http.body', { path: '/ISAPI/System/deviceInfo' })).toEqual([]);
  });

  it('backs off on a lockout answer', async () => {
    const server = await hikvision({
      onRefused: (_req, res) => {
        res.statusCode = 401;
        res.end(LOCKED);
      },
    });
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: 'wrong' },
    });
    await httpProbe.run(run.ctx);
    expect(authorized(server)).toBe(1);
  });

  it('retries once on a stale nonce (the password was right)', async () => {
    const server = await hikvision({ stale: true });
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: PASSWORD },
    });
    await httpProbe.run(run.ctx);
    expect(authorized(server)).toBe(2);
    expect(valuesOf(run.emitted, 'http.status', { path: '/ISAPI/System/deviceInfo' })).toEqual([401, 200]);
  });

  it('sends no Authorization at all without configured credentials', async () => {
    const server = await hikvision();
    const run = loopbackContext({ ports: [server.port] });
    await httpProbe.run(run.ctx);
    expect(authorized(server)).toBe(0);
  });

  it('logs in once per device even with two web ports', async () => {
    const a = await hikvision();
    const b = await hikvision();
    // Two ports of the same loopback host stand in for one device answering on 80 and 8080.
    const run = loopbackContext({
      ports: [a.port, b.port],
      credentials: { username: 'admin', password: 'wrong' },
    });
    await httpProbe.run(run.ctx);
    expect(authorized(a) + authorized(b)).toBe(1);
  });
});

describe('credentialed reads need a vendor hint and a safe scheme', () => {
  it('does not send credentials to a server with no camera tell', async () => {
    const server = await serve({
      '/': (_req, res) => res.end('<title>Router</title>'),
      '/ISAPI/System/deviceInfo': protectedRoute('router', DEVICE_INFO),
    });
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: PASSWORD },
    });
    await httpProbe.run(run.ctx);
    expect(authorized(server)).toBe(0);
  });

  it('never sends Basic credentials over plain HTTP', async () => {
    const server = await serve({
      '/': (_req, res) => {
        res.setHeader('Server', 'DNVRS-Webs');
        res.end('<title>DVR</title>');
      },
      '/ISAPI/System/deviceInfo': (_req, res) => {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Basic realm="hikvision"');
        res.end();
      },
    });
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: PASSWORD },
    });
    await httpProbe.run(run.ctx);
    expect(authorized(server)).toBe(0);
    expect(valuesOf(run.emitted, 'http.auth.realm', { path: '/ISAPI/System/deviceInfo' })).toEqual([
      'hikvision',
    ]);
  });
});

describe('Dahua', () => {
  const SERIAL = '4C045ADPAG60CD';
  const realm = `Login to ${SERIAL}`;

  function dahua(locked = false) {
    const magic = (text: string) => protectedRoute(realm, text);
    return serve({
      '/': (_req, res) =>
        res.end(
          '<html><head><title>WEB SERVICE</title></head><script src="/jsBase/rpc/RPC2.js"></script></html>',
        ),
      'POST /RPC2_Login': (_req, res, body) => {
        res.setHeader('Content-Type', 'application/json');
        const request = JSON.parse(body) as { params: { password: string } };
        if (request.params.password !== '') throw new Error('second login stage sent');
        res.end(
          locked
            ? '{"error":{"code":268632081,"message":"User locked!"},"result":false,"id":1}'
            : `{"error":{"code":268632079,"message":"Component error: login challenge!"},"params":{"authorization":"x","encryption":"Default","mac":"3CEF8C6101C0","random":"3734299","realm":"${realm}"},"result":false,"session":1,"id":1}`,
        );
      },
      '/cgi-bin/magicBox.cgi?action=getSystemInfo': magic(
        `deviceType=IPC-HDW5831R-ZE\r\nhardwareVersion=1.00\r\nserialNumber=${SERIAL}\r\n`,
      ),
      '/cgi-bin/magicBox.cgi?action=getSoftwareVersion': magic(
        'version=2.800.0000016.0.R,build:2020-06-05\r\n',
      ),
      '/cgi-bin/magicBox.cgi?action=getDeviceType': magic('type=IPC-HDW5831R-ZE\r\n'),
    });
  }

  it('reads the login challenge (stage 1 only) and the three magicBox actions', async () => {
    const server = await dahua();
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: PASSWORD },
    });
    await httpProbe.run(run.ctx);
    expect(server.seen.filter((r) => r === 'POST /RPC2_Login')).toHaveLength(1);
    expect(valuesOf(run.emitted, 'http.auth.realm', { path: '/RPC2_Login' })).toEqual([realm]);
    expect(valuesOf(run.emitted, 'mac.address', { path: '/RPC2_Login' })).toEqual(['3c:ef:8c:61:01:c0']);
    expect(
      valuesOf(run.emitted, 'http.body', { path: '/cgi-bin/magicBox.cgi?action=getSoftwareVersion' }),
    ).toEqual(['version=2.800.0000016.0.R,build:2020-06-05\r\n']);
    expect(
      valuesOf(run.emitted, 'http.body', { path: '/cgi-bin/magicBox.cgi?action=getDeviceType' }),
    ).toEqual(['type=IPC-HDW5831R-ZE\r\n']);
    expect(authorized(server)).toBe(3);
  });

  it('skips the credentialed read when the login challenge says the account is locked', async () => {
    const server = await dahua(true);
    const run = loopbackContext({
      ports: [server.port],
      credentials: { username: 'admin', password: PASSWORD },
    });
    await httpProbe.run(run.ctx);
    expect(authorized(server)).toBe(0);
  });
});
