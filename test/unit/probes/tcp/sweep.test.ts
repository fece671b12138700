import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe } from '../../../../src/agent/probes/tcp/index.js';
import { isolated, localSubnet } from '../../../helpers/isolation.js';
import { fakeContext } from '../../../helpers/probe-context.js';

const HOST = '10.250.1.5';
const OTHER = '10.250.1.6';
const servers: Server[] = [];
const sockets = new Set<Socket>();

function listen(host: string, port: number, onConnect: (s: Socket) => void): Promise<void> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    onConnect(s);
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

describe.skipIf(!isolated)('tcp sweep against local servers', () => {
  beforeAll(async () => {
    localSubnet('10.250.1');
    await listen(HOST, 80, () => {}); // open, silent
    await listen(HOST, 22, (s) => s.write('SSH-2.0-dropbear_2019.78\r\n'));
    await listen(HOST, 23, (s) => s.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01])));
    // Hostile FTP: a megabyte with no line break; must be capped, not buffered whole.
    await listen(HOST, 21, (s) => s.end(Buffer.alloc(1 << 20, 0x5a)));
    await listen(OTHER, 8000, (s) => s.destroy()); // accepts, then resets at once
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('reports open ports, banners, and nothing for refused ports, one packet per connect', async () => {
    const run = fakeContext(tcpProbe, {
      targets: ['10.250.1.5-10.250.1.7'],
      config: { ports: [21, 22, 23, 80, 554, 8000], bannerTimeout: 300, timeout: 500 },
    });
    await tcpProbe.run(run.ctx);
    const open = run.emitted.filter((o) => o.key === 'tcp.open').map((o) => `${o.host}:${o.value}`);
    expect(open.sort()).toEqual([
      '10.250.1.5:21',
      '10.250.1.5:22',
      '10.250.1.5:23',
      '10.250.1.5:80',
      '10.250.1.6:8000',
    ]);
    const banner = (key: string) => run.emitted.find((o) => o.key === key)?.value;
    expect(banner('ssh.banner')).toBe('SSH-2.0-dropbear_2019.78');
    expect(banner('telnet.banner')).toBe('[DO 24][WILL 1]');
    expect(String(banner('ftp.banner')).length).toBeLessThanOrEqual(512);
    expect(run.refused).toEqual([]);
    // 3 hosts × 6 ports, plus retries of ports that stayed silent on answering hosts (none here).
    expect(run.packets).toBe(18);
  });

  it('stops promptly when aborted', async () => {
    const abort = new AbortController();
    const run = fakeContext(tcpProbe, {
      targets: ['10.250.1.0/24'],
      signal: abort.signal,
      config: { parallel: 4 },
    });
    const started = Date.now();
    const done = tcpProbe.run(run.ctx);
    setTimeout(() => abort.abort(), 50);
    await done;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(run.packets).toBeLessThan(254 * 22);
  });

  it("winds down without throwing when the runner's pacer rejects after an abort", async () => {
    const abort = new AbortController();
    const run = fakeContext(tcpProbe, {
      targets: ['10.250.1.0/24'],
      signal: abort.signal,
      config: { parallel: 8 },
    });
    let sent = 0;
    const ctx = {
      ...run.ctx,
      // The real pacer (src/agent/scan/rate.ts) rejects with the abort reason.
      takePackets: async () => {
        if (abort.signal.aborted) throw abort.signal.reason;
        if (++sent === 40) abort.abort(new Error('user pressed Ctrl-C'));
      },
    };
    await expect(tcpProbe.run(ctx)).resolves.toBeUndefined();
    expect(sent).toBeLessThan(60);
  });
});
