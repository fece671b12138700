/**
 * The outbound event queue, in the database. Ingest writes an event and one delivery row per
 * webhook in the same transaction as the change it describes, and returns; a dispatcher
 * (events/webhooks.ts) delivers later. So a slow or dead receiver never holds up an agent, and
 * a collector restart or a receiver outage loses nothing: the rows wait until delivered.
 */
import type { Sql } from '../db/sql.js';
import { randomSecret } from './secrets.js';

export type EventKind = 'device.new' | 'device.verdict-changed';

export interface OutboundEvent {
  readonly kind: EventKind;
  readonly site: string;
  readonly data: Record<string, unknown>;
}

export async function enqueueEvent(q: Sql, event: OutboundEvent, at: string): Promise<void> {
  const row = await q.get<{ id: number }>(
    'INSERT INTO outbox_events (kind, site, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    [event.kind, event.site, JSON.stringify(event.data), at],
  );
  await q.run(
    `INSERT INTO webhook_deliveries (event_id, webhook_id, state, attempts, next_at)
     SELECT ?, id, 'pending', 0, ? FROM webhooks WHERE disabled_at IS NULL`,
    [row!.id, at],
  );
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

/**
 * Claims up to `limit` due deliveries for `leaseMs`: a claimed row is invisible to other
 * collectors until the lease ends, so two instances do not send the same delivery at once.
 */
export async function claimDue(q: Sql, now: Date, leaseMs: number, limit: number): Promise<DueDelivery[]> {
  const nowText = now.toISOString();
  const until = new Date(now.getTime() + leaseMs).toISOString();
  const candidates = await q.all<{ id: number }>(
    `SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?)
     ORDER BY id LIMIT ?`,
    [nowText, nowText, limit],
  );
  const claimed: DueDelivery[] = [];
  for (const c of candidates) {
    const won = await q.run(
      `UPDATE webhook_deliveries SET lease_until = ? WHERE id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
      [until, c.id, nowText],
    );
    if (won === 0) continue;
    const row = await q.get<DueDelivery>(
      `SELECT d.id, d.attempts, w.url, w.secret, e.kind, e.site, e.payload, e.id AS "eventId", e.created_at AS "createdAt"
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN outbox_events e ON e.id = d.event_id
       WHERE d.id = ?`,
      [c.id],
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

/** Records one attempt in the delivery log and either closes the delivery or schedules a retry. */
export async function settleDelivery(
  q: Sql,
  id: number,
  outcome: { ok: boolean; status: number | null; error: string | null; retryAt: Date | null },
): Promise<void> {
  const at = new Date().toISOString();
  await q.tx(async (t) => {
    await t.run('INSERT INTO webhook_attempts (delivery_id, at, status, error) VALUES (?, ?, ?, ?)', [
      id,
      at,
      outcome.status,
      outcome.error?.slice(0, 512) ?? null,
    ]);
    if (outcome.ok)
      await t.run(
        `UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, lease_until = NULL WHERE id = ?`,
        [at, id],
      );
    else
      await t.run(
        `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_at = ?, lease_until = NULL WHERE id = ?`,
        [outcome.retryAt ? 'pending' : 'failed', outcome.retryAt?.toISOString() ?? at, id],
      );
  });
}
