/**
 * The pusher against a real collector on 127.0.0.1 (ephemeral ports; npm test runs this in
 * its own network namespace). Covers delivery, outage and recovery, bad token, rejection,
 * the spool bound and TLS with a private CA.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPusher, type PushConfig } from '../../../src/agent/push/index.js';
import { silentLogger } from '../../../src/core/log.js';
import { labReport } from '../../collector/fixtures.js';
import { type RunningCollector, startCollector, tempDir } from '../../collector/harness.js';
import { makeTestPki } from '../../helpers/pki.js';

const work = tempDir('camsweep-push-');
let spools = 0;
afterAll(() => work.remove());

function config(url: string, token: string, overrides: Partial<PushConfig> = {}): PushConfig {
  return {
    url,
    token,
    tokenFile: null,
    ca: null,
    cert: null,
    key: null,
    spoolDir: join(work.path, `spool-${++spools}`),
    spoolMaxReports: 100,
    spoolMaxBytes: 10 * 1024 * 1024,
    timeout: 2000,
    retries: 1,
    retryInitial: 10,
    retryMax: 20,
    ...overrides,
  };
}

async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

describe('pusher over HTTP', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector(join(work.path, 'http.db'));
  });
  afterAll(() => c.stop());

  it('delivers a report and leaves the spool empty', async () => {
    const pusher = createPusher(config(c.url, c.token), silentLogger);
    const outcome = await pusher.submit(labReport());
    expect(outcome).toMatchObject({ status: 'delivered', duplicate: false, attempts: 1 });
    expect(pusher.depth()).toEqual({ reports: 0, bytes: 0 });
    await pusher.close();
  });

  it('keeps reports while the collector is down and delivers them once it is back', async () => {
    const down = config(await closedPortUrl(), c.token);
    const pusher = createPusher(down, silentLogger);
    const reports = [labReport(), labReport()];
    for (const r of reports) {
      const o = await pusher.submit(r);
      expect(o.status).toBe('spooled');
      expect(o.status === 'spooled' ? o.reason : '').toMatch(/unreachable/);
      expect(o.status === 'spooled' ? o.attempts : 0).toBe(2);
    }
    expect(pusher.depth().reports).toBe(2);
    await pusher.close();
    const up = createPusher({ ...down, url: c.url }, silentLogger);
    expect(await up.flush()).toEqual({ delivered: 2, remaining: 0 });
    for (const r of reports) {
      const n = await c.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM scans WHERE report_id = ?', [
        r.reportId,
      ]);
      expect(n?.n).toBe(1);
    }
    await up.close();
  });

  it('keeps the report and names the fix when the token is wrong', async () => {
    const pusher = createPusher(config(c.url, `csw_000000000000_${'A'.repeat(43)}`), silentLogger);
    const o = await pusher.submit(labReport());
    expect(o.status).toBe('spooled');
    expect(o.status === 'spooled' ? `${o.reason} ${o.fix}` : '').toMatch(/401.*token create/s);
    expect(pusher.depth().reports).toBe(1);
    await pusher.close();
  });

  it('reports a full spool loudly and keeps what it already had', async () => {
    const cfg = config(await closedPortUrl(), c.token, { spoolMaxReports: 2, retries: 0 });
    const pusher = createPusher(cfg, silentLogger);
    expect((await pusher.submit(labReport())).status).toBe('spooled');
    expect((await pusher.submit(labReport())).status).toBe('spooled');
    const third = await pusher.submit(labReport());
    expect(third.status).toBe('spool-full');
    expect(third.status === 'spool-full' ? third.fix : '').toContain('push.spoolMaxReports');
    expect(pusher.depth().reports).toBe(2);
    await pusher.close();
  });

  it('refuses a config without a token with a fix', () => {
    expect(() => createPusher(config(c.url, ''), silentLogger)).toThrow(
      expect.objectContaining({ code: 'E_CONFIG', fix: expect.stringContaining('token create') }),
    );
  });
});

describe('pusher and a collector that rejects a report', () => {
  it('moves the report to rejected/ and says which field', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: 'report fails camsweep.report/v1 at /scan/rulesVersion: must be string',
            field: '/scan/rulesVersion',
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cfg = config(url, `csw_000000000000_${'A'.repeat(43)}`);
    const pusher = createPusher(cfg, silentLogger);
    const o = await pusher.submit(labReport());
    expect(o).toMatchObject({ status: 'rejected', field: '/scan/rulesVersion' });
    expect(pusher.depth().reports).toBe(0);
    expect(execFileSync('ls', [join(cfg.spoolDir, 'rejected')]).toString()).toMatch(/\.json\.reason\.txt/);
    await pusher.close();
    await new Promise((r) => server.close(r));
  });
});

describe('pusher and a report its own schema check refuses', () => {
  it('keeps the report in rejected/ with the reason, sends nothing (issue 14 item 8)', async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const cfg = config(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      `csw_000000000000_${'A'.repeat(43)}`,
    );
    const pusher = createPusher(cfg, silentLogger);
    const bad = labReport();
    (bad.devices[0] as { ip: string }).ip = '10.20.0.999';
    const o = await pusher.submit(bad);
    expect(o).toMatchObject({ status: 'rejected', field: '/devices/0/ip' });
    expect(o.status === 'rejected' ? o.reason : '').toContain('kept in');
    const kept = readdirSync(join(cfg.spoolDir, 'rejected')).filter((n) => !n.startsWith('.'));
    expect(kept.filter((n) => n.endsWith('.json'))).toHaveLength(1);
    expect(kept.filter((n) => n.endsWith('.reason.txt'))).toHaveLength(1);
    const body = JSON.parse(
      readFileSync(join(cfg.spoolDir, 'rejected', kept.find((n) => n.endsWith('.json'))!), 'utf8'),
    );
    expect(body.reportId).toBe(bad.reportId);
    expect(requests).toBe(0);
    await pusher.close();
    await new Promise((r) => server.close(r));
  });
});

describe('pusher over HTTPS with a private CA', () => {
  const pki = tempDir('camsweep-pki-');
  let c: RunningCollector;
  beforeAll(async () => {
    makeTestPki(pki.path);
    c = await startCollector(join(work.path, 'tls.db'), {
      tls: { cert: join(pki.path, 'server.pem'), key: join(pki.path, 'server.key') },
    });
  });
  afterAll(async () => {
    await c.stop();
    pki.remove();
  });

  it('fails with a TLS message and the push.ca fix when the CA is not trusted', async () => {
    const pusher = createPusher(config(c.url, c.token), silentLogger);
    const o = await pusher.submit(labReport());
    expect(o.status).toBe('spooled');
    expect(o.status === 'spooled' ? o.reason : '').toContain('TLS handshake');
    expect(o.status === 'spooled' ? o.fix : '').toContain('push.ca');
    expect(o.status === 'spooled' ? o.attempts : 0).toBe(1); // no point retrying a trust problem
    await pusher.close();
  });

  it('requires a client certificate when the collector has a client CA', async () => {
    const tls = {
      cert: join(pki.path, 'server.pem'),
      key: join(pki.path, 'server.key'),
      clientCa: join(pki.path, 'ca.pem'),
    };
    const mtls = await startCollector(join(work.path, 'mtls.db'), { tls });
    try {
      const ca = join(pki.path, 'ca.pem');
      const without = createPusher(config(mtls.url, mtls.token, { ca }), silentLogger);
      const refused = await without.submit(labReport());
      expect(refused.status === 'spooled' ? `${refused.reason} ${refused.fix}` : refused.status).toMatch(
        /403.*push\.cert/s,
      );
      await without.close();
      const withCert = createPusher(
        config(mtls.url, mtls.token, {
          ca,
          cert: join(pki.path, 'client.pem'),
          key: join(pki.path, 'client.key'),
        }),
        silentLogger,
      );
      expect((await withCert.submit(labReport())).status).toBe('delivered');
      await withCert.close();
    } finally {
      await mtls.stop();
    }
  });

  it('delivers when push.ca names the CA', async () => {
    const pusher = createPusher(config(c.url, c.token, { ca: join(pki.path, 'ca.pem') }), silentLogger);
    expect((await pusher.submit(labReport())).status).toBe('delivered');
    await pusher.close();
  });
});
