/**
 * The outbound event queue, in the database. Ingest writes an event and one delivery row per
 * receiver (each webhook, each syslog sink) in the same transaction as the change it describes,
 * and returns; dispatchers (events/webhooks.ts, events/sinks.ts) deliver later. So a slow or dead receiver never holds up an agent, and
 * a collector restart or a receiver outage loses nothing: the rows wait until delivered.
 */
import type { Sql } from '../db/sql.js';
import { randomSecret } from './secrets.js';

export const EVENT_KINDS = [
  'device.new',
  'device.verdict-changed',
  'device.reappeared',
  'exemption.expiring',
  'exemption.expired',
  'agent.silent',
  'rules.changed',
  'site.digest',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** What every device event says about its device, selected from `devices d` by DEVICE_FIELDS. */
export interface DeviceFields {
  readonly id: number;
  readonly ip: string;
  readonly mac: string | null;
  readonly manufacturer: string | null;
  readonly deviceType: string | null;
  readonly model: string | null;
  readonly verdict: string;
}
export const DEVICE_FIELDS = `d.id, d.ip, d.mac, d.manufacturer, d.device_type AS "deviceType", d.model, d.verdict`;

export interface OutboundEvent {
  readonly kind: EventKind;
  readonly site: string;
  readonly data: Record<string, unknown>;
}

/**
 * Queues an event and one delivery per active receiver: a site digest goes to that site's
 * e-mail sink only; every other event to each webhook and each syslog sink. With a `key` the
 * event is recorded at most once (a time-based event found again by a later check, or by
 * another collector sharing the database); returns false when that key was already recorded.
 */
export async function enqueueEvent(q: Sql, event: OutboundEvent, at: string, key?: string): Promise<boolean> {
  const row = await q.get<{ id: number }>(
    `INSERT INTO outbox_events (kind, site, payload, created_at, event_key) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (event_key) DO NOTHING RETURNING id`,
    [event.kind, event.site, JSON.stringify(event.data), at, key ?? null],
  );
  if (!row) return false;
  const deliveries = `INSERT INTO sink_deliveries (event_id, sink_id, state, attempts, next_at)
     SELECT ?, id, 'pending', 0, ? FROM event_sinks WHERE disabled_at IS NULL AND kind = ?`;
  if (event.kind === 'site.digest') {
    await q.run(`${deliveries} AND name = ?`, [row.id, at, 'email', event.site]);
    return true;
  }
  await q.run(
    `INSERT INTO webhook_deliveries (event_id, webhook_id, state, attempts, next_at)
     SELECT ?, id, 'pending', 0, ? FROM webhooks WHERE disabled_at IS NULL`,
    [row.id, at],
  );
  await q.run(deliveries, [row.id, at, 'syslog']);
  return true;
}

export type SinkKind = 'syslog' | 'email';

/**
 * Makes the database's sinks of one kind match the config: those named are (re)enabled, the
 * others disabled (their undelivered rows wait, in case the sink comes back). Returns each
 * configured name's id. Every collector sharing a database should carry the same sinks.
 */
export async function syncSinks(
  q: Sql,
  kind: SinkKind,
  names: readonly string[],
): Promise<Map<string, number>> {
  const now = new Date().toISOString();
  return q.tx(async (t) => {
    const ids = new Map<string, number>();
    for (const name of names) {
      const row = await t.get<{ id: number }>(
        `INSERT INTO event_sinks (kind, name, created_at) VALUES (?, ?, ?)
         ON CONFLICT (kind, name) DO UPDATE SET disabled_at = NULL RETURNING id`,
        [kind, name, now],
      );
      ids.set(name, Number(row!.id));
    }
    const active = await t.all<{ id: number; name: string }>(
      'SELECT id, name FROM event_sinks WHERE kind = ? AND disabled_at IS NULL',
      [kind],
    );
    for (const sink of active)
      if (!ids.has(sink.name))
        await t.run('UPDATE event_sinks SET disabled_at = ? WHERE id = ?', [now, sink.id]);
    return ids;
  });
}

export interface WebhookRow {
  readonly id: number;
  readonly url: string;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

/** Adds a receiver; the returned signing secret is shown once (it is kept, as signing needs it). */
export async function addWebhook(q: Sql, url: string): Promise<{ id: number; secret: string }> {
  const secret = randomSecret(32);
  const row = await q.get<{ id: number }>(
    'INSERT INTO webhooks (url, secret, created_at) VALUES (?, ?, ?) RETURNING id',
    [url, secret, new Date().toISOString()],
  );
  return { id: Number(row!.id), secret };
}

export async function disableWebhook(q: Sql, id: number): Promise<boolean> {
  return (
    (await q.run('UPDATE webhooks SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL', [
      new Date().toISOString(),
      id,
    ])) > 0
  );
}

export async function listWebhooks(q: Sql): Promise<WebhookRow[]> {
  return q.all<WebhookRow>(
    'SELECT id, url, created_at AS "createdAt", disabled_at AS "disabledAt" FROM webhooks ORDER BY id',
  );
}

export interface DueDelivery {
  readonly id: number;
  readonly attempts: number;
  readonly url: string;
  readonly secret: string;
  readonly kind: string;
  readonly site: string;
  readonly payload: string;
  readonly eventId: number;
  readonly createdAt: string;
}

/** A delivery table and its attempt log: webhooks, or the sinks the config names. */
interface Queue {
  readonly deliveries: 'webhook_deliveries' | 'sink_deliveries';
  readonly attempts: 'webhook_attempts' | 'sink_attempts';
}
const WEBHOOK_QUEUE: Queue = { deliveries: 'webhook_deliveries', attempts: 'webhook_attempts' };
const SINK_QUEUE: Queue = { deliveries: 'sink_deliveries', attempts: 'sink_attempts' };

/**
 * Leases up to `limit` due deliveries for `leaseMs`: a leased row is invisible to other
 * collectors until the lease ends, so two instances do not send the same delivery at once.
 */
async function leaseDue(
  q: Sql,
  table: Queue['deliveries'],
  now: Date,
  leaseMs: number,
  limit: number,
  only: { readonly column: 'sink_id'; readonly ids: readonly number[] } | null,
): Promise<number[]> {
  if (only && only.ids.length === 0) return [];
  const nowText = now.toISOString();
  const until = new Date(now.getTime() + leaseMs).toISOString();
  const filter = only ? ` AND ${only.column} IN (${only.ids.map(() => '?').join(', ')})` : '';
  const candidates = await q.all<{ id: number }>(
    `SELECT id FROM ${table} WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?)${filter}
     ORDER BY id LIMIT ?`,
    [nowText, nowText, ...(only?.ids ?? []), limit],
  );
  const won: number[] = [];
  for (const c of candidates) {
    const changed = await q.run(
      `UPDATE ${table} SET lease_until = ? WHERE id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
      [until, c.id, nowText],
    );
    if (changed > 0) won.push(Number(c.id));
  }
  return won;
}

/** Claims due webhook deliveries (see leaseDue). */
export async function claimDue(q: Sql, now: Date, leaseMs: number, limit: number): Promise<DueDelivery[]> {
  const claimed: DueDelivery[] = [];
  for (const id of await leaseDue(q, WEBHOOK_QUEUE.deliveries, now, leaseMs, limit, null)) {
    const row = await q.get<DueDelivery>(
      `SELECT d.id, d.attempts, w.url, w.secret, e.kind, e.site, e.payload, e.id AS "eventId", e.created_at AS "createdAt"
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN outbox_events e ON e.id = d.event_id
       WHERE d.id = ?`,
      [id],
    );
    if (row)
      claimed.push({
        ...row,
        id: Number(row.id),
        eventId: Number(row.eventId),
        attempts: Number(row.attempts),
      });
  }
  return claimed;
}

export interface DueSinkDelivery {
  readonly id: number;
  readonly attempts: number;
  readonly sinkId: number;
  readonly eventId: number;
  readonly kind: string;
  readonly site: string;
  readonly payload: string;
  readonly createdAt: string;
}

/** Claims due deliveries for the sinks this collector can send to (see leaseDue), oldest first. */
export async function claimSinkDue(
  q: Sql,
  sinkIds: readonly number[],
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<DueSinkDelivery[]> {
  const ids = await leaseDue(q, SINK_QUEUE.deliveries, now, leaseMs, limit, {
    column: 'sink_id',
    ids: sinkIds,
  });
  const claimed: DueSinkDelivery[] = [];
  for (const id of ids) {
    const row = await q.get<DueSinkDelivery>(
      `SELECT d.id, d.attempts, d.sink_id AS "sinkId", e.id AS "eventId", e.kind, e.site, e.payload, e.created_at AS "createdAt"
       FROM sink_deliveries d JOIN outbox_events e ON e.id = d.event_id WHERE d.id = ?`,
      [id],
    );
    if (row)
      claimed.push({
        ...row,
        id: Number(row.id),
        sinkId: Number(row.sinkId),
        eventId: Number(row.eventId),
        attempts: Number(row.attempts),
      });
  }
  return claimed;
}

export interface DeliveryOutcome {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  readonly retryAt: Date | null;
}

/** Records one attempt in the delivery log and either closes the delivery or schedules a retry. */
async function settle(q: Sql, queue: Queue, id: number, outcome: DeliveryOutcome): Promise<void> {
  const at = new Date().toISOString();
  await q.tx(async (t) => {
    await t.run(`INSERT INTO ${queue.attempts} (delivery_id, at, status, error) VALUES (?, ?, ?, ?)`, [
      id,
      at,
      outcome.status,
      outcome.error?.slice(0, 512) ?? null,
    ]);
    if (outcome.ok)
      await t.run(
        `UPDATE ${queue.deliveries} SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, lease_until = NULL WHERE id = ?`,
        [at, id],
      );
    else
      await t.run(
        `UPDATE ${queue.deliveries} SET state = ?, attempts = attempts + 1, next_at = ?, lease_until = NULL WHERE id = ?`,
        [outcome.retryAt ? 'pending' : 'failed', outcome.retryAt?.toISOString() ?? at, id],
      );
  });
}

export function settleDelivery(q: Sql, id: number, outcome: DeliveryOutcome): Promise<void> {
  return settle(q, WEBHOOK_QUEUE, id, outcome);
}

export function settleSinkDelivery(q: Sql, id: number, outcome: DeliveryOutcome): Promise<void> {
  return settle(q, SINK_QUEUE, id, outcome);
}

/**
 * Puts every delivery that ran out of attempts back in the queue, due now, for a receiver that
 * was down longer than the retries last. Returns how many.
 */
export async function retryFailed(q: Sql): Promise<number> {
  const now = new Date().toISOString();
  let n = 0;
  for (const table of [WEBHOOK_QUEUE.deliveries, SINK_QUEUE.deliveries])
    n += await q.run(
      `UPDATE ${table} SET state = 'pending', attempts = 0, next_at = ?, lease_until = NULL WHERE state = 'failed'`,
      [now],
    );
  return n;
}

export interface SinkSummary {
  readonly sink: string;
  readonly enabled: boolean;
  readonly pending: number;
  readonly delivered: number;
  readonly failed: number;
}

/** Every receiver (webhooks and config sinks) with its delivery counts, for `events sinks`. */
export async function listSinks(q: Sql): Promise<SinkSummary[]> {
  const count = (table: string, column: string) =>
    `(SELECT COUNT(*) FROM ${table} x WHERE x.${column} = s.id AND x.state = ?)`;
  const states = ['pending', 'delivered', 'failed'];
  const rows = await q.all<{ sink: string; disabled: string | null; p: number; d: number; f: number }>(
    `SELECT 'webhook ' || s.id || ' ' || s.url AS sink, s.disabled_at AS disabled,
       ${states.map((_, i) => `${count('webhook_deliveries', 'webhook_id')} AS ${'pdf'[i]}`).join(', ')}
     FROM webhooks s
     UNION ALL
     SELECT s.kind || ' ' || s.name, s.disabled_at,
       ${states.map((_, i) => `${count('sink_deliveries', 'sink_id')} AS ${'pdf'[i]}`).join(', ')}
     FROM event_sinks s ORDER BY 1`,
    [...states, ...states],
  );
  return rows.map((r) => ({
    sink: r.sink,
    enabled: r.disabled === null,
    pending: Number(r.p),
    delivered: Number(r.d),
    failed: Number(r.f),
  }));
}

export interface AttemptRow {
  readonly at: string;
  readonly sink: string;
  readonly eventId: number;
  readonly kind: string;
  readonly site: string;
  readonly state: string;
  readonly status: number | null;
  readonly error: string | null;
}

/** The newest delivery attempts across every receiver, newest first. */
export async function deliveryLog(q: Sql, limit: number): Promise<AttemptRow[]> {
  const rows = await q.all<AttemptRow>(
    `SELECT * FROM (
       SELECT a.at, 'webhook ' || w.id AS sink, e.id AS "eventId", e.kind, e.site, d.state, a.status, a.error
       FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
         JOIN webhooks w ON w.id = d.webhook_id JOIN outbox_events e ON e.id = d.event_id
       UNION ALL
       SELECT a.at, s.kind || ' ' || s.name, e.id, e.kind, e.site, d.state, a.status, a.error
       FROM sink_attempts a JOIN sink_deliveries d ON d.id = a.delivery_id
         JOIN event_sinks s ON s.id = d.sink_id JOIN outbox_events e ON e.id = d.event_id
     ) log ORDER BY at DESC LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({ ...r, eventId: Number(r.eventId) }));
}
