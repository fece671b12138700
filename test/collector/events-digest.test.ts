/**
 * The per-site digest e-mail, through a real SMTP server with STARTTLS and a test CA: a digest
 * that falls due while the relay is down is sent once it is up, exactly once (also across a
 * collector restart), encrypted, to the configured recipients, in plain text and HTML with a
 * hostile device string escaped. A relay that does not offer STARTTLS gets nothing.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { type EventsConfig, NO_EVENTS_CONFIG } from '../../src/collector/events/config.js';
import { buildCollector } from '../../src/collector/server.js';
import { deliveryLog } from '../../src/collector/store/outbox.js';
import { silentLogger } from '../../src/core/log.js';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { hikvisionCamera, makeReport, XSS_BANNER } from './fixtures.js';
import { freePort, startCollector, tempDir } from './harness.js';
import { type SmtpSink, smtpSink } from './peers/smtp-sink.js';
import { FAST_DELIVERY, until } from './peers/wait.js';
import { post } from './suite.js';

/** A daily digest for city-hall that fell due a minute ago. */
function config(pki: TestPki, port: number): EventsConfig {
  const now = new Date();
  const minute = (now.getUTCHours() * 60 + now.getUTCMinutes() - 1 + 1440) % 1440;
  return {
    ...NO_EVENTS_CONFIG,
    checkEveryMs: 200,
    smtp: {
      host: '127.0.0.1',
      port,
      starttls: true,
      ca: pki.ca,
      from: 'camsweep@county.example',
      username: null,
      passwordFile: null,
    },
    digests: [
      {
        site: 'city-hall',
        to: ['it@city.example', 'soc@county.example'],
        schedule: 'daily',
        atMinute: minute,
        weekday: 1,
      },
    ],
  };
}

async function collectorOn(db: Database, events: EventsConfig): Promise<FastifyInstance> {
  const app = await buildCollector({ db, log: silentLogger, deliveries: FAST_DELIVERY, events });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

describe('digest e-mail over SMTP with STARTTLS', () => {
  const dir = tempDir('csw-digest-');
  let pki: TestPki;
  let sink: SmtpSink;
  let db: Database;
  let app: FastifyInstance | undefined;
  let port = 0;

  beforeAll(async () => {
    mkdirSync(join(dir.path, 'pki'));
    pki = makeTestPki(join(dir.path, 'pki'));
    port = await freePort();
    sink = smtpSink(port, pki);
    // The site's inventory, stored before the digest is configured: a covered camera first seen
    // five minutes ago, whose model is hostile markup.
    const seed = await startCollector(join(dir.path, 'c.db'), { deliveries: false });
    const camera = hikvisionCamera({ identity: { ...hikvisionCamera().identity, model: XSS_BANNER } });
    const at = new Date(Date.now() - 5 * 60_000).toISOString();
    expect((await post(seed.app, seed.token, makeReport([camera], { at }))).status).toBe(201);
    await seed.stop();
    db = await openDatabase(join(dir.path, 'c.db'));
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
    await db?.close();
    dir.remove();
  });

  const states = () =>
    db.all<{ state: string; attempts: number }>('SELECT state, attempts FROM sink_deliveries');

  it('keeps a digest due while the relay is down, then sends it once, encrypted', async () => {
    app = await collectorOn(db, config(pki, port));
    await until(
      'failed attempts while the relay is down',
      async () => ((await states())[0]?.attempts ?? 0) >= 2,
    );
    expect((await deliveryLog(db, 1))[0]).toMatchObject({
      sink: 'email city-hall',
      kind: 'site.digest',
      error: 'ESOCKET',
    });
    await sink.start();
    await until('the digest', async () => (await states())[0]?.state === 'delivered');
    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0]!;
    expect(mail).toMatchObject({
      from: 'camsweep@county.example',
      to: ['it@city.example', 'soc@county.example'],
      secure: true,
    });
    expect(mail.raw).toMatch(/^Subject: camsweep digest for city-hall: 1 covered, 0 suspect, 1 new$/m);
    expect(mail.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail.raw).toMatch(/Content-Type: text\/html/);
    expect(mail.raw).toContain('covered: 1\r\n');
    expect(mail.raw).toContain(`10.20.0.64  hikvision ${XSS_BANNER}  covered`);
    // In the HTML part the model is text, not markup.
    expect(mail.raw).toContain('<td>&#60;script&#62;alert(1)&#60;/script&#62;</td>');
    expect(mail.raw.split('<script>').length - 1).toBe(1); // only the text part has it, verbatim
  });

  it('sends nothing more for the same due time, also after a restart', async () => {
    await new Promise((r) => setTimeout(r, 600));
    await app!.close();
    app = await collectorOn(db, config(pki, port));
    await new Promise((r) => setTimeout(r, 800));
    expect(sink.received).toHaveLength(1);
    expect((await db.all('SELECT id FROM outbox_events WHERE kind = ?', ['site.digest'])).length).toBe(1);
  });
});

describe('digest relay without STARTTLS', () => {
  const dir = tempDir('csw-digest-plain-');
  let sink: SmtpSink;
  let c: Awaited<ReturnType<typeof startCollector>> | undefined;

  afterAll(async () => {
    await c?.stop();
    await sink?.stop();
    dir.remove();
  });

  it('refuses to send in the clear: the digest stays queued with the reason', async () => {
    mkdirSync(join(dir.path, 'pki'));
    const pki = makeTestPki(join(dir.path, 'pki'));
    const port = await freePort();
    sink = smtpSink(port, pki, { offerStartTls: false });
    await sink.start();
    c = await startCollector(join(dir.path, 'c.db'), {
      deliveries: FAST_DELIVERY,
      events: config(pki, port),
    });
    await until('a refused attempt', async () => (await deliveryLog(c!.db, 1)).length > 0);
    const [attempt] = await deliveryLog(c.db, 1);
    expect(attempt).toMatchObject({ state: 'pending', error: 'ETLS' });
    expect(sink.received).toEqual([]);
  });
});
