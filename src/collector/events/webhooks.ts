/**
 * Delivers queued events (store/outbox.ts) to webhooks. Each POST carries the event as JSON and
 * `X-Camsweep-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` under the
 * webhook's secret, with the timestamp in `X-Camsweep-Timestamp` (a receiver refuses old ones
 * to stop replays) and `X-Camsweep-Delivery`, stable across retries, so a receiver can drop a
 * repeat should a collector die between sending and recording. A non-2xx answer or a network
 * error is retried with exponential backoff and jitter; every attempt is logged.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from '../../core/log.js';
import type { Database } from '../db/sql.js';
import { claimDue, type DueDelivery, settleDelivery } from '../store/outbox.js';
import { retryDelay, startLoop } from './loop.js';

export interface DispatcherOptions {
  /** How often to look for due deliveries. */
  readonly pollMs?: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** After this many attempts a delivery is marked failed (it stays in the log). */
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function deliverOne(
  d: DueDelivery,
  timeoutMs: number,
): Promise<{ status: number | null; error: string | null }> {
  const body = JSON.stringify({
    id: d.eventId,
    type: d.kind,
    site: d.site,
    createdAt: d.createdAt,
    data: JSON.parse(d.payload) as unknown,
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'camsweep-collector',
        'x-camsweep-event': d.kind,
        'x-camsweep-delivery': String(d.id),
        'x-camsweep-timestamp': timestamp,
        'x-camsweep-signature': signature(d.secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return { status: res.status, error: res.ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: null, error: cause ?? (err as Error).message };
  }
}

/** Starts the delivery loop; the returned function stops it and waits for a round in flight. */
export function startDispatcher(
  db: Database,
  log: Logger,
  options: DispatcherOptions = {},
): () => Promise<void> {
  const pollMs = options.pollMs ?? 2000;
  const base = options.backoffMs ?? 5000;
  const max = options.maxBackoffMs ?? 3_600_000;
  const maxAttempts = options.maxAttempts ?? 50;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return startLoop(
    async () => {
      const due = await claimDue(db, new Date(), timeoutMs * 2, 20);
      await Promise.all(
        due.map(async (d) => {
          const { status, error } = await deliverOne(d, timeoutMs);
          const ok = error === null;
          const attempts = d.attempts + 1;
          const retryAt =
            ok || attempts >= maxAttempts ? null : new Date(Date.now() + retryDelay(d.attempts, base, max));
          if (!ok)
            log.warn({ delivery: d.id, status, error, attempts }, 'webhook delivery failed; will retry');
          await settleDelivery(db, d.id, { ok, status, error, retryAt });
        }),
      );
    },
    pollMs,
    log,
    'webhook dispatcher',
  );
}
