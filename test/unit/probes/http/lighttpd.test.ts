/**
 * The http probe against a real third-party server: Debian's lighttpd dressed as a Hikvision
 * NVR web UI (test/lab/sims/lighttpd.ts), in a device namespace, scanned from a scanner
 * namespace joined to it by a veth pair. Both namespaces are created here with random names
 * and deleted afterwards; nothing touches the namespace vitest runs in.
 *
 * The file runs twice: the outer run (no CAMSWEEP_HTTP_LAB) builds the namespaces and starts
 * lighttpd, then re-runs this file inside the scanner namespace, where the probe runs and the
 * assertions live. Needs root, `ip`, `lighttpd` and `openssl`; skips with the reason when
 * they are missing and CI is unset, fails in CI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from '../../../../src/agent/probes/http/index.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { addNamespace, deleteNamespaceSync, ipBatch } from '../../../lab/netns.js';
import { readAnswer } from '../../../lab/sims/answers.js';
import { type LighttpdSim, startLighttpd } from '../../../lab/sims/lighttpd.js';
import { valuesOf as values } from './context.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const FIXTURE = fileURLToPath(new URL('../../../fixtures/devices/hikvision-ds-7608ni-k2', import.meta.url));
const MAC = '44:19:b6:7a:30:5c';
const REALM = 'DS-7608NI-K2';
const PASSWORD = 'lab-only-secret';
const SCANNER_IP = '10.77.9.1';
const DEVICE_IP = '10.77.9.2';

if (process.env.CAMSWEEP_HTTP_LAB === '1') innerTests();
else outerTest();

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const program of ['ip', 'lighttpd', 'openssl']) {
    if (spawnSync('sh', ['-c', `command -v ${program}`]).status !== 0)
      return `\`${program}\` is not installed (apt-get install -y iproute2 lighttpd openssl)`;
  }
  return null;
}

function outerTest(): void {
  const reason = skipReason();
  if (reason) {
    if (inCI)
      describe('http probe vs lighttpd', () => it('can run', () => expect.fail(`${reason} (CI is set)`)));
    else {
      console.log(`skipping "http probe vs lighttpd": ${reason}`);
      describe.skip('http probe vs lighttpd', () => it('lab', () => undefined));
    }
    return;
  }
  describe('http probe vs lighttpd', () => {
    const id = randomBytes(3).toString('hex');
    const scanner = `cshttp${id}-s`;
    const device = `cshttp${id}-d`;
    let sim: LighttpdSim | null = null;

    beforeAll(async () => {
      await addNamespace(scanner);
      await addNamespace(device);
      // Interfaces are created inside the private namespaces only (ip -n), never here.
      await ipBatch(scanner, [
        'link set lo up',
        `link add eth0 type veth peer name eth0 netns ${device}`,
        `addr add ${SCANNER_IP}/24 dev eth0`,
        'link set eth0 up',
      ]);
      await ipBatch(device, ['link set lo up', `addr add ${DEVICE_IP}/24 dev eth0`, 'link set eth0 up']);
      const ctx = { fixtureDir: FIXTURE, ip: DEVICE_IP, mac: MAC };
      sim = await startLighttpd({
        ip: DEVICE_IP,
        port: 80,
        tlsPort: 443,
        tlsSubject: '/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com',
        server: 'App-webs/',
        realm: REALM,
        user: 'admin',
        password: PASSWORD,
        protect: ['/ISAPI/'],
        files: {
          '/index.html': readAnswer(ctx, 'http/index.html'),
          '/doc/page/login.asp': readAnswer(ctx, 'http/login.asp.html'),
          '/SDK/webLanguage': readAnswer(ctx, 'http/web-language.xml'),
          '/ISAPI/System/deviceInfo': readAnswer(ctx, 'http/device-info.xml'),
        },
        netns: device,
        log: () => undefined,
      });
    }, 30_000);

    afterAll(async () => {
      await sim?.stop();
      deleteNamespaceSync(scanner);
      deleteNamespaceSync(device);
    });

    it('passes inside the scanner namespace', async () => {
      const env = {
        ...process.env,
        CAMSWEEP_HTTP_LAB: '1',
        CAMSWEEP_TEST_NETNS: '',
      };
      const file = fileURLToPath(import.meta.url);
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn('ip', ['netns', 'exec', scanner, 'node_modules/.bin/vitest', 'run', file], {
          env,
        });
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          out += c.toString();
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve({ code: c, output: out });
        });
      });
      if (code !== 0) console.log(output);
      expect(code).toBe(0);
      // Server side, over both scans (right, then wrong password): per scan one unauthenticated
      // GET on each port and exactly one login attempt, so six lines, one of them accepted.
      await sim!.stop();
      const isapi = sim!.accessLog().filter((line) => line.startsWith('GET /ISAPI/System/deviceInfo '));
      expect(isapi).toHaveLength(6);
      expect(isapi.filter((line) => line.endsWith(' 200 admin'))).toHaveLength(1);
    }, 120_000);
  });
}

function innerTests(): void {
  const scan = (password: string) => {
    const run = fakeContext(httpProbe, {
      targets: [DEVICE_IP],
      timeoutMs: 20_000,
      config: { timeout: 3000 },
      known: new Map([[DEVICE_IP, new Set([80, 443])]]),
      credentials: (host) => (host === DEVICE_IP ? { username: 'admin', password } : null),
    });
    return httpProbe.run(run.ctx).then(() => run);
  };

  describe('http probe vs lighttpd (scanner namespace)', () => {
    it('reads headers, realm, titles, TLS certificate and the credentialed deviceInfo', async () => {
      const run = await scan(PASSWORD);
      expect(run.refused).toEqual([]);
      const e = run.emitted;
      for (const port of [80, 443]) {
        expect(values(e, 'http.status', { port, path: '/' })).toEqual([200]);
        expect(values(e, 'http.header.server', { port, path: '/' })).toEqual(['App-webs/']);
        // The script redirect of the NVR's index page is followed, cache-buster dropped.
        expect(values(e, 'http.status', { port, path: '/doc/page/login.asp' })).toEqual([200]);
        expect(values(e, 'http.body', { port, path: '/SDK/webLanguage' })[0]).toContain('<Language>');
        expect(values(e, 'http.auth.realm', { port, path: '/ISAPI/System/deviceInfo' })).toEqual([REALM]);
        // lighttpd's own error pages carry titles: real HTML from a real server.
        expect(values(e, 'http.html.title', { port, path: '/ISAPI/System/deviceInfo' })).toEqual([
          '401 Unauthorized',
        ]);
        expect(values(e, 'http.html.title', { port, path: '/web_caps/webCapsConfig' })).toEqual([
          '404 Not Found',
        ]);
      }
      expect(values(e, 'tls.cert.subject', { port: 443 })).toEqual([
        'CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN',
      ]);
      expect(values(e, 'tls.cert.issuer', { port: 443 })).toEqual(
        values(e, 'tls.cert.subject', { port: 443 }),
      );
      expect(values(e, 'tls.cert.sha256', { port: 443 })[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(values(e, 'tls.cert.subject', { port: 80 })).toEqual([]);
      // One credentialed read, over TLS (preferred), answered with the NVR's XML.
      const info = values(e, 'http.body', { port: 443, path: '/ISAPI/System/deviceInfo' }).map(String);
      expect(info.some((b) => b.includes('<model>DS-7608NI-K2</model>') && b.includes(MAC))).toBe(true);
      expect(values(e, 'http.status', { path: '/ISAPI/System/deviceInfo' }).sort()).toEqual([200, 401, 401]);
      // Not a Dahua device: the Dahua login challenge is never posted.
      expect(e.some((o) => o.path === '/RPC2_Login')).toBe(false);
    }, 30_000);

    it('tries a wrong password once and reads nothing', async () => {
      const run = await scan('not-the-password');
      const statuses = values(run.emitted, 'http.status', { path: '/ISAPI/System/deviceInfo' });
      expect(statuses).toEqual([401, 401]);
      expect(values(run.emitted, 'http.body', { path: '/ISAPI/System/deviceInfo' }).join('')).not.toContain(
        '<model>',
      );
    }, 30_000);
  });
}
