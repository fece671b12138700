/**
 * Events out through the durable queue: a pushed report with a covered device is stored at
 * once while the webhook receiver is down; the receiver then comes up failing on purpose
 * (HTTP 500), then recovers; the event arrives exactly once, correctly signed, and every
 * attempt is in the delivery log. A later verdict change arrives the same way.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signature } from '../../src/collector/events/webhooks.js';
import { addWebhook } from '../../src/collector/store/outbox.js';
import { axisCamera, hikvisionCamera, makeReport } from './fixtures.js';
import { freePort, type RunningCollector, startCollector, tempDir } from './harness.js';
import { post } from './suite.js';

interface Received {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A receiver that answers 500 to its first `failures` requests, then 200. */
async function flakyReceiver(port: number, failures: number) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = received.length < failures ? 500 : 200;
      received.push({ status, body, headers: req.headers });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { received, close: () => new Promise((r) => server.close(r)) };
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks from the durable event queue', () => {
  const dir = tempDir('csw-hooks-');
  let c: RunningCollector;
  let port = 0;
  let secret = '';
  let receiver: Awaited<ReturnType<typeof flakyReceiver>> | undefined;

  beforeAll(async () => {
    c = await startCollector(`${dir.path}/c.db`, {
      deliveries: { pollMs: 50, backoffMs: 100, maxBackoffMs: 300, timeoutMs: 2000 },
    });
    port = await freePort();
    secret = (await addWebhook(c.db, `http://127.0.0.1:${port}/hook`)).secret;
  });
  afterAll(async () => {
    await receiver?.close();
    await c?.stop();
    dir.remove();
  });

  const deliveries = () =>
    c.db.all<{ id: number; state: string; attempts: number }>(
      'SELECT id, state, attempts FROM webhook_deliveries ORDER BY id',
    );
  const accepted = () => (receiver?.received ?? []).filter((r) => r.status === 200);

  it('stores the report at once while the receiver is down, and loses nothing', async () => {
    const res = await post(c.app, c.token, makeReport([hikvisionCamera(), axisCamera()]));
    expect(res.status).toBe(201);
    // Only the covered Hikvision camera is an event; the Axis camera is not covered.
    await until('two failed attempts against the dead receiver', async () => {
      const [d] = await deliveries();
      return (d?.attempts ?? 0) >= 2;
    });
    const [d] = await deliveries();
    expect(d!.state).toBe('pending');
    const log = await c.db.all<{ status: number | null; error: string }>(
      'SELECT status, error FROM webhook_attempts WHERE delivery_id = ? ORDER BY id',
      [d!.id],
    );
    expect(log[0]).toEqual({ status: null, error: 'ECONNREFUSED' });
  });

  it('delivers exactly once, signed, after the receiver fails on purpose and recovers', async () => {
    receiver = await flakyReceiver(port, 2);
    await until('the delivery', async () => (await deliveries())[0]!.state === 'delivered');
    expect(accepted()).toHaveLength(1);
    const got = accepted()[0]!;
    const event = JSON.parse(got.body) as {
      type: string;
      site: string;
      data: { ip: string; verdict: string };
    };
    expect(event).toMatchObject({
      type: 'device.new',
      site: 'city-hall',
      data: { ip: '10.20.0.64', verdict: 'covered' },
    });
    const ts = String(got.headers['x-camsweep-timestamp']);
    expect(got.headers['x-camsweep-signature']).toBe(signature(secret, ts, got.body));
    expect(got.headers['x-camsweep-signature']).not.toBe(signature('another secret', ts, got.body));
    // The same delivery id on the failed tries and the success lets a receiver drop repeats.
    expect(new Set(receiver.received.map((r) => r.headers['x-camsweep-delivery'])).size).toBe(1);
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 200]);
    const log = await c.db.all<{ status: number | null }>('SELECT status FROM webhook_attempts ORDER BY id');
    expect(log.slice(-3).map((l) => l.status)).toEqual([500, 500, 200]);
  });

  it('sends a verdict change once, and nothing more after it was delivered', async () => {
    const res = await post(c.app, c.token, makeReport([hikvisionCamera({ verdict: 'suspect' })]));
    expect(res.status).toBe(201);
    await until('the verdict change', async () => accepted().length === 2);
    const change = JSON.parse(accepted()[1]!.body) as {
      type: string;
      data: { from: string; verdict: string };
    };
    expect(change).toMatchObject({
      type: 'device.verdict-changed',
      data: { from: 'covered', verdict: 'suspect' },
    });
    // Several more polling rounds: no repeat of either event.
    await new Promise((r) => setTimeout(r, 400));
    expect(accepted()).toHaveLength(2);
    expect((await deliveries()).map((d) => d.state)).toEqual(['delivered', 'delivered']);
  });
});
