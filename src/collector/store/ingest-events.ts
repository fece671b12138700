/**
 * The outbound events a report causes (store/outbox.ts): a new covered or suspect device, and
 * every verdict change of a known device, queued in the ingest's own transaction.
 *
 * On SQLite each event goes through `enqueueEvent`. On PostgreSQL a first scan of a large site
 * can raise thousands of events at once, and two round trips per event cost more than the rest
 * of the ingest together, so they are written set-based: one statement inserts every event and,
 * from the rows it returns, one delivery per enabled webhook. It writes exactly the rows
 * `enqueueEvent` writes (test/collector/postgres.test.ts compares the rows of both databases).
 */
import type { Sql } from '../db/sql.js';
import type { IngestPlan, RowWrite } from './ingest-plan.js';
import { slices } from './ingest-write.js';
import { enqueueEvent, type OutboundEvent } from './outbox.js';

export function eventsOf(site: string, plan: IngestPlan, idOf: (ref: number) => number): OutboundEvent[] {
  const rows = new Map<number, RowWrite>();
  for (const w of plan.inserts) rows.set(w.ref, w);
  for (const [ref, w] of plan.updates) rows.set(ref, w);
  const events: OutboundEvent[] = [];
  for (const change of plan.changes) {
    const isNew = change.from === null;
    if (isNew && change.to !== 'covered' && change.to !== 'suspect') continue;
    const row = rows.get(change.ref);
    const s = row?.state;
    events.push({
      kind: isNew ? 'device.new' : 'device.verdict-changed',
      site,
      data: {
        deviceId: idOf(change.ref),
        site,
        ip: s?.ip ?? null,
        mac: row?.mac ?? null,
        manufacturer: s?.manufacturer ?? null,
        model: s?.model ?? null,
        from: change.from,
        verdict: change.to,
        rules: s?.rules ? s.rules.split(' ') : [],
        seenAt: plan.seenAt,
      },
    });
  }
  return events;
}

export async function queueEvents(q: Sql, events: readonly OutboundEvent[], at: string): Promise<void> {
  if (q.dialect !== 'postgres') {
    for (const event of events) await enqueueEvent(q, event, at);
    return;
  }
  for (const part of slices(events))
    await q.run(
      `WITH e AS (
         INSERT INTO outbox_events (kind, site, payload, created_at)
         SELECT u.kind, u.site, u.payload, ?
         FROM ROWS FROM (json_to_recordset(?::json) AS (kind text, site text, payload text))
           WITH ORDINALITY AS u(kind, site, payload, n)
         ORDER BY u.n
         RETURNING id)
       INSERT INTO webhook_deliveries (event_id, webhook_id, state, attempts, next_at)
       SELECT e.id, w.id, 'pending', 0, ? FROM e CROSS JOIN webhooks w WHERE w.disabled_at IS NULL
       ORDER BY e.id, w.id`,
      [
        at,
        JSON.stringify(part.map((x) => ({ kind: x.kind, site: x.site, payload: JSON.stringify(x.data) }))),
        at,
      ],
    );
}
