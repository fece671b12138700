/**
 * Syslog out to Debian's rsyslogd over TLS (RFC 5425, octet-counted RFC 5424 messages with CEF):
 * events queued while rsyslog is down arrive once it is up, exactly once each, with the CEF
 * escaping intact for a hostile model string; the receiver may demand a client certificate; a
 * receiver whose certificate the CA did not sign gets nothing.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_EVENTS_CONFIG } from '../../src/collector/events/config.js';
import type { SyslogSinkConfig } from '../../src/collector/events/syslog.js';
import { deliveryLog } from '../../src/collector/store/outbox.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { hikvisionCamera, makeReport } from './fixtures.js';
import { freePort, type RunningCollector, startCollector, tempDir } from './harness.js';
import { type RsyslogPeer, rsyslogMissing, rsyslogPeer } from './peers/rsyslog.js';
import { FAST_DELIVERY, until } from './peers/wait.js';
import { post } from './suite.js';

const missing = rsyslogMissing();
const skip = missing !== null && !process.env.CI;
if (skip) console.warn(`syslog tests skipped: ${missing}`);

/** What a hostile camera may put in its model string: CEF and syslog separators, a forged line. */
const HOSTILE_MODEL = 'DS-2CD|x=1\\ \r\n<13>1 - forged - - - - CEF:0|fake';

function collectorSendingTo(sink: SyslogSinkConfig, db: string): Promise<RunningCollector> {
  return startCollector(db, { deliveries: FAST_DELIVERY, events: { ...NO_EVENTS_CONFIG, syslog: [sink] } });
}

describe.skipIf(skip)('syslog to rsyslog over TLS', () => {
  const dir = tempDir('csw-syslog-');
  let pki: TestPki;
  let rsyslog: RsyslogPeer;
  let c: RunningCollector;

  beforeAll(async () => {
    mkdirSync(join(dir.path, 'pki'));
    pki = makeTestPki(join(dir.path, 'pki'));
    const port = await freePort();
    rsyslog = rsyslogPeer(join(dir.path, 'rsyslog'), port, { pki, clientAuth: true });
    const tls = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
    c = await collectorSendingTo(
      {
        name: 'siem',
        host: '127.0.0.1',
        port,
        tls,
        facility: 20,
        appName: 'camsweep',
        hostname: 'collector-1',
      },
      join(dir.path, 'c.db'),
    );
  });
  afterAll(async () => {
    await c?.stop();
    await rsyslog?.stop();
    dir.remove();
  });

  const states = () =>
    c.db.all<{ state: string; attempts: number }>('SELECT state, attempts FROM sink_deliveries ORDER BY id');

  it('queues while rsyslog is down, then delivers each event exactly once', async () => {
    const camera = hikvisionCamera({ identity: { ...hikvisionCamera().identity, model: HOSTILE_MODEL } });
    expect((await post(c.app, c.token, makeReport([camera]))).status).toBe(201);
    await until(
      'failed attempts against the dead receiver',
      async () => ((await states())[0]?.attempts ?? 0) >= 2,
    );
    expect((await states())[0]!.state).toBe('pending');
    const log = await deliveryLog(c.db, 10);
    expect(log[0]).toMatchObject({
      sink: 'syslog siem',
      kind: 'device.new',
      state: 'pending',
      error: 'ECONNREFUSED',
    });

    await rsyslog.start();
    await until('the delivery', async () => (await states())[0]!.state === 'delivered');
    await until('rsyslog to write it', () => rsyslog.messages().length > 0);
    const [message, ...rest] = rsyslog.messages();
    expect(rest).toEqual([]);
    // local4 (20) × 8 + warning (4): a covered device is CEF severity 8.
    expect(message).toMatch(
      /^<164>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z collector-1 camsweep \d+ device\.new - CEF:0\|camsweep\|collector\|[^|]+\|device\.new\|New covered or suspect device\|8\|/,
    );
    const ext = message!.slice(message!.lastIndexOf('|8|') + 3);
    expect(ext).toContain('cs1Label=site cs1=city-hall ');
    expect(ext).toContain('dst=10.20.0.64 dmac=58:50:ed:1f:e3:85 cs2Label=verdict cs2=covered ');
    // The hostile model: = and \ escaped, a CR LF pair as the one escape `\n`, no second message.
    expect(ext).toContain('cs5Label=model cs5=DS-2CD|x\\=1\\\\ \\n<13>1 - forged - - - - CEF:0|fake ');
    expect(ext).toMatch(/cs6Label=rules cs6=us-ndaa-889$/);
  });

  it('delivers an event queued while rsyslog restarts, and repeats nothing', async () => {
    await rsyslog.stop();
    const camera = hikvisionCamera({ verdict: 'suspect' });
    expect((await post(c.app, c.token, makeReport([camera]))).status).toBe(201);
    await until('a failed attempt', async () => ((await states())[1]?.attempts ?? 0) >= 1);
    await rsyslog.start();
    await until('the second delivery', async () => (await states())[1]?.state === 'delivered');
    await until('rsyslog to write it', () => rsyslog.messages().length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    const messages = rsyslog.messages();
    expect(messages).toHaveLength(2);
    expect(messages[1]).toContain(' device.verdict-changed - CEF:0|');
    expect(messages[1]).toContain('cs2Label=verdict cs2=suspect cs3Label=previousVerdict cs3=covered ');
  });
});

describe.skipIf(skip)('syslog TLS refusals', () => {
  const dir = tempDir('csw-syslog-bad-');
  let rsyslog: RsyslogPeer;
  let c: RunningCollector;

  afterAll(async () => {
    await c?.stop();
    await rsyslog?.stop();
    dir.remove();
  });

  it('sends nothing to a receiver whose certificate another CA signed', async () => {
    mkdirSync(join(dir.path, 'real'));
    mkdirSync(join(dir.path, 'other'));
    const real = makeTestPki(join(dir.path, 'real'));
    const other = makeTestPki(join(dir.path, 'other'));
    const port = await freePort();
    rsyslog = rsyslogPeer(join(dir.path, 'rsyslog'), port, { pki: other });
    await rsyslog.start();
    const sink = {
      name: 'siem',
      host: '127.0.0.1',
      port,
      tls: { ca: real.ca },
      facility: 16,
      appName: 'camsweep',
      hostname: null,
    };
    c = await collectorSendingTo(sink, join(dir.path, 'c.db'));
    expect((await post(c.app, c.token, makeReport([hikvisionCamera()]))).status).toBe(201);
    await until('a refused attempt', async () => (await deliveryLog(c.db, 1)).length > 0);
    const [attempt] = await deliveryLog(c.db, 1);
    expect(attempt).toMatchObject({
      state: 'pending',
      error: expect.stringMatching(/CERT|SIGNATURE|self.signed|verify/i),
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(rsyslog.messages()).toEqual([]);
  });
});
