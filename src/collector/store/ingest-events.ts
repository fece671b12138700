/**
 * The events one stored report raises, queued (store/outbox.ts) in the report's own transaction:
 * a new covered or suspect device, a verdict change, a device marked removed or replaced that
 * this scan saw again, and a switch of the site's rules version. Each costs one or two
 * statements per report, not per device.
 */
import type { Sql } from '../db/sql.js';
import type { IngestPlan } from './ingest-plan.js';
import { DEVICE_FIELDS, type DeviceFields, enqueueEvent } from './outbox.js';

async function deviceEvents(
  q: Sql,
  site: string,
  plan: IngestPlan,
  idOf: (ref: number) => number,
  now: string,
): Promise<void> {
  for (const change of plan.changes) {
    const isNew = change.from === null;
    if (isNew && change.to !== 'covered' && change.to !== 'suspect') continue;
    const row = plan.inserts.find((w) => w.ref === change.ref) ?? plan.updates.get(change.ref);
    const s = row?.state;
    await enqueueEvent(
      q,
      {
        kind: isNew ? 'device.new' : 'device.verdict-changed',
        site,
        data: {
          deviceId: idOf(change.ref),
          site,
          ip: s?.ip ?? null,
          mac: row?.mac ?? null,
          manufacturer: s?.manufacturer ?? null,
          deviceType: s?.device_type ?? null,
          model: s?.model ?? null,
          from: change.from,
          verdict: change.to,
          rules: s?.rules ? s.rules.split(' ') : [],
          seenAt: plan.seenAt,
        },
      },
      now,
    );
  }
}

/**
 * A device whose remediation says removed or replaced, seen by a scan that finished after it
 * was so marked. Keyed by the marking, so later scans that see it again add nothing until
 * someone marks it again.
 */
async function reappeared(q: Sql, site: string, scanId: number, seenAt: string, now: string): Promise<void> {
  const rows = await q.all<DeviceFields & { state: string; markedAt: string; markedBy: string }>(
    `SELECT ${DEVICE_FIELDS}, r.state, r.updated_at AS "markedAt", r.updated_by AS "markedBy"
     FROM remediation r JOIN sightings g ON g.device_id = r.device_id JOIN devices d ON d.id = r.device_id
     WHERE r.state IN ('removed', 'replaced') AND g.scan_id = ? AND r.updated_at < ?`,
    [scanId, seenAt],
  );
  for (const r of rows) {
    const { id, ...rest } = r;
    await enqueueEvent(
      q,
      { kind: 'device.reappeared', site, data: { deviceId: Number(id), site, ...rest, seenAt } },
      now,
      `device.reappeared:${id}:${r.markedAt}`,
    );
  }
}

/**
 * The site's newest scan before this one ran other rules. A report that arrives late from a
 * spool (an older scan than the newest stored) is history, not a switch, and raises nothing.
 */
async function rulesChanged(
  q: Sql,
  ids: { siteId: number; scanId: number },
  site: string,
  scan: { agent: string; rulesVersion: string; finishedAt: string },
  now: string,
): Promise<void> {
  const prev = await q.get<{ rules: string; finished: string; agent: string }>(
    `SELECT s.rules_version AS rules, s.finished_at AS finished, a.agent_key AS agent
     FROM scans s JOIN agents a ON a.id = s.agent_id
     WHERE s.site_id = ? AND s.id <> ? ORDER BY s.finished_at DESC, s.id DESC LIMIT 1`,
    [ids.siteId, ids.scanId],
  );
  if (!prev || prev.finished > scan.finishedAt || prev.rules === scan.rulesVersion) return;
  await enqueueEvent(
    q,
    {
      kind: 'rules.changed',
      site,
      data: { site, agent: scan.agent, from: prev.rules, to: scan.rulesVersion, previousAgent: prev.agent },
    },
    now,
    `rules.changed:${ids.scanId}`,
  );
}

export async function queueIngestEvents(
  q: Sql,
  ids: { siteId: number; scanId: number },
  site: string,
  plan: IngestPlan,
  idOf: (ref: number) => number,
  scan: { agent: string; rulesVersion: string; finishedAt: string },
  now: string,
): Promise<void> {
  await deviceEvents(q, site, plan, idOf, now);
  await reappeared(q, site, ids.scanId, plan.seenAt, now);
  await rulesChanged(q, ids, site, scan, now);
}
