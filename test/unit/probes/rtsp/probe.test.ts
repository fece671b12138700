import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtspProbe } from '../../../../src/agent/probes/rtsp/index.js';
import { isolated, localSubnet } from '../../../helpers/isolation.js';
import { fakeContext } from '../../../helpers/probe-context.js';
import { start } from '../../../lab/sims/rtsp.js';
import type { RunningSim } from '../../../lab/sims/types.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/devices');
const sims: RunningSim[] = [];
const hostile: Server[] = [];
const simLog: string[] = [];

function sim(fixture: string, ip: string, port: number) {
  return start({
    fixtureDir: join(FIXTURES, fixture),
    spec: { port, options: 'rtsp/options.txt', describe: 'rtsp/describe-401.txt' },
    ip,
    iface: 'lo',
    mac: '00:00:00:00:00:01',
    log: (m) => simLog.push(m),
  });
}

function hostileServer(ip: string, port: number, reply: (write: (b: Buffer | string) => void) => void) {
  const server = createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => reply((b) => s.write(b)));
  });
  hostile.push(server);
  return new Promise<void>((r) => server.listen(port, ip, () => r()));
}

describe.skipIf(!isolated)('rtsp probe against the lab RTSP sim and hostile servers', () => {
  beforeAll(async () => {
    localSubnet('10.250.3');
    sims.push(await sim('hikvision-ds-2cd2385g1-i', '10.250.3.64', 554));
    sims.push(await sim('dahua-nvr4108hs-8p-4ks2', '10.250.3.108', 8554));
    await hostileServer('10.250.3.20', 554, (w) => w('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await hostileServer('10.250.3.21', 554, (w) => w(Buffer.alloc(1 << 20, 0x41))); // endless head
    await hostileServer('10.250.3.22', 554, () => {}); // silent after connect
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    await Promise.all(hostile.map((s) => new Promise((r) => s.close(r))));
  });

  it('reads status, headers and realm from OPTIONS and DESCRIBE, never sending SETUP/PLAY', async () => {
    const run = fakeContext(rtspProbe, {
      targets: ['10.250.3.0/24'],
      known: new Map([
        ['10.250.3.64', new Set([80, 554])],
        ['10.250.3.108', new Set([80, 8554])],
        ['10.250.3.20', new Set<number>()],
        ['10.250.3.21', new Set<number>()],
        ['10.250.3.22', new Set<number>()],
      ]),
      config: { timeout: 500 },
    });
    await rtspProbe.run(run.ctx);
    const of = (host: string) =>
      run.emitted.filter((o) => o.host === host).map((o) => `${o.port} ${o.key}=${o.value}`);
    expect(of('10.250.3.64')).toEqual([
      '554 rtsp.status=200',
      '554 rtsp.header.public=OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER',
      '554 rtsp.header.date= Thu, May 14 2020 16:45:35 GMT',
      '554 rtsp.status=401',
      expect.stringMatching(
        /^554 rtsp.header.www-authenticate=Digest realm="IP Camera\(C2385\)", nonce="[0-9a-f]{32}"/,
      ),
      '554 rtsp.auth.realm=IP Camera(C2385)',
    ]);
    expect(of('10.250.3.108')).toContain('8554 rtsp.header.server=Rtsp Server/3.0');
    expect(of('10.250.3.108')).toContain('8554 rtsp.auth.realm=Login to 2M00D2APAZTL62J');
    // not RTSP, oversized, silent: no facts, no crash, bounded time
    expect(of('10.250.3.20')).toEqual([]);
    expect(of('10.250.3.21').every((o) => o.length < 2048)).toBe(true);
    expect(of('10.250.3.22')).toEqual([]);
    expect(simLog.filter((l) => /not answered/.test(l))).toEqual([]);
    expect(run.refused).toEqual([]);
  });
});
