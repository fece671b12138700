/**
 * Delivers queued events to the sinks the config names (syslog receivers, per-site digest
 * e-mail), and runs the periodic check. Both work from the database only, so any number of
 * collectors may run them: deliveries are leased (store/outbox.ts), time-based events keyed
 * (check.ts). A syslog batch goes out on one connection and succeeds or fails as a whole; a
 * digest is one message. Failures are retried with backoff and every attempt is logged.
 */
import type { Logger } from '../../core/log.js';
import type { Database } from '../db/sql.js';
import { claimSinkDue, type DueSinkDelivery, settleSinkDelivery, syncSinks } from '../store/outbox.js';
import { runEventChecks } from './check.js';
import type { EventsConfig } from './config.js';
import { type DigestData, renderDigest, sendDigest } from './digest.js';
import { retryDelay, startLoop } from './loop.js';
import { sendBatch, syslogMessage } from './syslog.js';
import type { DispatcherOptions } from './webhooks.js';

/** Sends a batch for one sink; resolves to an error per delivery (null = delivered). */
type Sender = (batch: readonly DueSinkDelivery[]) => Promise<(string | null)[]>;

const errorText = (err: unknown) => (err as { code?: string }).code ?? (err as Error).message;

async function senders(db: Database, config: EventsConfig, timeoutMs: number): Promise<Map<number, Sender>> {
  const map = new Map<number, Sender>();
  const syslogIds = await syncSinks(
    db,
    'syslog',
    config.syslog.map((s) => s.name),
  );
  for (const sink of config.syslog) {
    map.set(syslogIds.get(sink.name)!, async (batch) => {
      const messages = batch.map((d) =>
        syslogMessage(sink, {
          id: d.eventId,
          kind: d.kind,
          site: d.site,
          createdAt: d.createdAt,
          data: JSON.parse(d.payload) as Record<string, unknown>,
        }),
      );
      try {
        await sendBatch(sink, messages, timeoutMs);
        return batch.map(() => null);
      } catch (err) {
        return batch.map(() => errorText(err));
      }
    });
  }
  const smtp = config.smtp;
  const emailIds = await syncSinks(db, 'email', smtp ? config.digests.map((d) => d.site) : []);
  if (smtp)
    for (const digest of config.digests) {
      map.set(emailIds.get(digest.site)!, async (batch) => {
        const out: (string | null)[] = [];
        for (const d of batch) {
          try {
            await sendDigest(smtp, digest.to, renderDigest(JSON.parse(d.payload) as DigestData), timeoutMs);
            out.push(null);
          } catch (err) {
            out.push(errorText(err));
          }
        }
        return out;
      });
    }
  return map;
}

/** Starts sink delivery and the periodic check; the returned function stops both. */
export async function startEventSinks(
  db: Database,
  log: Logger,
  config: EventsConfig,
  options: DispatcherOptions = {},
): Promise<() => Promise<void>> {
  const pollMs = options.pollMs ?? 2000;
  const base = options.backoffMs ?? 5000;
  const max = options.maxBackoffMs ?? 3_600_000;
  const maxAttempts = options.maxAttempts ?? 50;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const bySink = await senders(db, config, timeoutMs);
  const sinkIds = [...bySink.keys()];

  const deliver = async () => {
    const due = await claimSinkDue(db, sinkIds, new Date(), timeoutMs * 3, 100);
    const groups = new Map<number, DueSinkDelivery[]>();
    for (const d of due) groups.set(d.sinkId, [...(groups.get(d.sinkId) ?? []), d]);
    await Promise.all(
      [...groups].map(async ([sinkId, batch]) => {
        const errors = await bySink.get(sinkId)!(batch);
        for (const [i, d] of batch.entries()) {
          const error = errors[i] ?? null;
          const attempts = d.attempts + 1;
          const retryAt =
            error === null || attempts >= maxAttempts
              ? null
              : new Date(Date.now() + retryDelay(d.attempts, base, max));
          if (error !== null)
            log.warn({ delivery: d.id, sink: sinkId, error, attempts }, 'event delivery failed; will retry');
          await settleSinkDelivery(db, d.id, { ok: error === null, status: null, error, retryAt });
        }
      }),
    );
  };
  const stopDelivery =
    sinkIds.length > 0 ? startLoop(deliver, pollMs, log, 'event sink dispatcher') : async () => {};
  const stopChecks = startLoop(
    async () => {
      const recorded = await runEventChecks(db, config);
      if (recorded > 0) log.info({ recorded }, 'periodic check recorded events');
    },
    config.checkEveryMs,
    log,
    'periodic event check',
    Math.min(1000, config.checkEveryMs),
  );
  return async () => {
    await Promise.all([stopDelivery(), stopChecks()]);
  };
}
