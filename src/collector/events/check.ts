/**
 * The periodic check: events no report raises, found by looking at the clock. An exemption that
 * ends within the warning window (`exemption.expiring`) or has ended (`exemption.expired`), an
 * agent silent for longer than allowed (`agent.silent`), and each site digest that fell due.
 *
 * Each event carries a key naming what it is about (the exemption and its end date, the agent
 * and the last report it sent, the site and the due time), unique in the database. So a check
 * run again, after a restart, or by every collector sharing one PostgreSQL records it once.
 */
import type { Database, Sql } from '../db/sql.js';
import { DEVICE_FIELDS, type DeviceFields, enqueueEvent, type OutboundEvent } from '../store/outbox.js';
import type { EventsConfig } from './config.js';
import { buildDigest, lastDue } from './digest.js';

const DAY_MS = 86_400_000;

/** Records the event unless its key is already recorded; true when it was new. */
function record(db: Database, event: OutboundEvent, key: string, at: string): Promise<boolean> {
  return db.tx((t: Sql) => enqueueEvent(t, event, at, key));
}

async function exemptions(db: Database, config: EventsConfig, now: Date): Promise<number> {
  const nowText = now.toISOString();
  const horizon = new Date(now.getTime() + config.exemptionWarningDays * DAY_MS).toISOString();
  // Rows whose current key is already recorded are left out here, so a steady state costs one query.
  const rows = await db.all<DeviceFields & { site: string; expiresAt: string; approver: string | null }>(
    `SELECT ${DEVICE_FIELDS}, s.name AS site, r.expires_at AS "expiresAt", r.approver
     FROM remediation r JOIN devices d ON d.id = r.device_id JOIN sites s ON s.id = d.site_id
     WHERE r.state = 'exempted' AND r.expires_at IS NOT NULL AND r.expires_at <= ?
       AND NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.event_key =
         CASE WHEN r.expires_at < ? THEN 'exemption.expired:' ELSE 'exemption.expiring:' END || d.id || ':' || r.expires_at)
     ORDER BY r.expires_at, d.id`,
    [horizon, nowText],
  );
  let recorded = 0;
  for (const { id, ...r } of rows) {
    const kind = r.expiresAt < nowText ? 'exemption.expired' : 'exemption.expiring';
    const daysLeft = Math.max(0, Math.ceil((Date.parse(r.expiresAt) - now.getTime()) / DAY_MS));
    const data = { deviceId: Number(id), ...r, ...(kind === 'exemption.expiring' ? { daysLeft } : {}) };
    if (await record(db, { kind, site: r.site, data }, `${kind}:${id}:${r.expiresAt}`, nowText)) recorded++;
  }
  return recorded;
}

async function silentAgents(db: Database, config: EventsConfig, now: Date): Promise<number> {
  const nowText = now.toISOString();
  const cutoff = new Date(now.getTime() - config.silentAgentAfterMs).toISOString();
  const rows = await db.all<{
    id: number;
    site: string;
    agent: string;
    version: string | null;
    lastSeen: string;
  }>(
    `SELECT a.id, s.name AS site, a.agent_key AS agent, a.version, a.last_seen AS "lastSeen"
     FROM agents a JOIN sites s ON s.id = a.site_id
     WHERE a.last_seen < ? AND NOT EXISTS (
       SELECT 1 FROM outbox_events e WHERE e.event_key = 'agent.silent:' || a.id || ':' || a.last_seen)
     ORDER BY a.id`,
    [cutoff],
  );
  let recorded = 0;
  for (const r of rows) {
    const silentHours = Math.floor((now.getTime() - Date.parse(r.lastSeen)) / 3_600_000);
    const data = { site: r.site, agent: r.agent, version: r.version, lastSeen: r.lastSeen, silentHours };
    if (
      await record(
        db,
        { kind: 'agent.silent', site: r.site, data },
        `agent.silent:${r.id}:${r.lastSeen}`,
        nowText,
      )
    )
      recorded++;
  }
  return recorded;
}

/** The latest due digest of each configured site, once; an outage never sends a backlog of them. */
async function digests(db: Database, config: EventsConfig, now: Date): Promise<number> {
  let recorded = 0;
  for (const d of config.digests) {
    const period = lastDue(d, now);
    const key = `site.digest:${d.site}:${d.schedule}:${period.due.toISOString()}`;
    const seen = await db.get<{ id: number }>('SELECT id FROM outbox_events WHERE event_key = ?', [key]);
    if (seen) continue;
    const data = await buildDigest(db, d.site, period, config.exemptionWarningDays);
    if (await record(db, { kind: 'site.digest', site: d.site, data: { ...data } }, key, now.toISOString()))
      recorded++;
  }
  return recorded;
}

/** One pass of every check; returns how many events it recorded. */
export async function runEventChecks(db: Database, config: EventsConfig, now = new Date()): Promise<number> {
  return (
    (await exemptions(db, config, now)) +
    (await silentAgents(db, config, now)) +
    (await digests(db, config, now))
  );
}
