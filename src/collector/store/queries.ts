/**
 * What the dashboard and the exports read. Device-supplied text comes back as stored (the
 * views escape it); JSON columns are parsed here so views never see raw JSON.
 */
import type { Coverage, DeviceLocation, Evidence, Finding, Identity, Verdict } from '../../contract/types.js';
import { likePattern, type Sql } from '../db/sql.js';
import { appendAudit } from './audit.js';
import { VERDICT_RANK } from './ingest-plan.js';
import type { SiteScope } from './roles.js';
import type { Seen } from './seen.js';

export const VERDICTS: readonly Verdict[] = ['covered', 'suspect', 'unknown', 'not-covered'];
export const REMEDIATION_STATES = ['open', 'exempted', 'replaced', 'removed'] as const;
export type RemediationState = (typeof REMEDIATION_STATES)[number];

export interface DeviceFilter {
  readonly site?: string | undefined;
  readonly verdict?: Verdict | undefined;
  readonly state?: RemediationState | undefined;
  readonly q?: string | undefined;
  /** Switch label as listed ("core-sw (10.0.0.5)"). */
  readonly switch?: string | undefined;
  readonly vlan?: number | undefined;
  readonly sort?: SortKey | undefined;
  readonly dir?: 'asc' | 'desc' | undefined;
}

/** Columns the device list sorts by; values are SQL expressions we control, never user text. */
export const SORT_KEYS = {
  verdict: 'd.verdict_rank',
  site: 's.name',
  ip: 'd.ip',
  manufacturer: 'd.manufacturer',
  type: 'd.device_type',
  model: 'd.model',
  switch: 'd.switch_label',
  vlan: 'd.vlan',
  lastSeen: 'd.last_seen',
} as const;
export type SortKey = keyof typeof SORT_KEYS;

/** Remediation applies only to covered and suspect devices: there is nothing to remove otherwise. */
export function remediable(verdict: Verdict): boolean {
  return verdict === 'covered' || verdict === 'suspect';
}

export interface DeviceRow {
  readonly id: number;
  readonly site: string;
  readonly ip: string;
  readonly mac: string | null;
  readonly serial: string | null;
  readonly manufacturer: string | null;
  readonly brand: string | null;
  readonly deviceType: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly confidence: number;
  readonly verdict: Verdict;
  readonly rules: string;
  readonly rulesVersion: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Remediation as in force now: an exemption past its expiry counts as open again. */
  readonly state: RemediationState;
  readonly approver: string | null;
  readonly reason: string | null;
  readonly expiresAt: string | null;
  readonly stateUpdatedAt: string | null;
  /** Where a switch saw it, when one was read. */
  readonly location: DeviceLocation | null;
  readonly switchLabel: string | null;
  readonly vlan: number | null;
}

const DEVICE_COLUMNS = `d.id, s.name AS site, d.ip, d.mac, d.serial, d.manufacturer, d.brand, d.device_type AS "deviceType",
  d.model, d.firmware, d.confidence, d.verdict, d.rules, d.rules_version AS "rulesVersion", d.first_seen AS "firstSeen",
  d.last_seen AS "lastSeen", r.state AS "rawState", r.approver, r.reason, r.expires_at AS "expiresAt",
  r.updated_at AS "stateUpdatedAt", d.location AS "locationJson", d.switch_label AS "switchLabel", d.vlan`;

const FROM = 'FROM devices d JOIN sites s ON s.id = d.site_id LEFT JOIN remediation r ON r.device_id = d.id';

type RawRow = Omit<DeviceRow, 'state' | 'location'> & {
  rawState: string | null;
  locationJson: string | null;
};

function effectiveState(row: RawRow, now: string): RemediationState {
  const s = row.rawState as RemediationState | null;
  if (!s || (s === 'exempted' && row.expiresAt !== null && row.expiresAt < now)) return 'open';
  return s;
}

function finish(row: RawRow, now: string): DeviceRow {
  const { rawState: _, locationJson, ...rest } = row;
  return {
    ...rest,
    state: effectiveState(row, now),
    location: locationJson ? (JSON.parse(locationJson) as DeviceLocation) : null,
  };
}

/** The SQL condition limiting `alias`.site_id to a scope; a scope with no sites matches nothing. */
export function scopeCondition(scope: SiteScope, alias = 'd'): { sql: string; params: string[] } {
  if (scope.all) return { sql: '1 = 1', params: [] };
  if (scope.sites.length === 0) return { sql: '1 = 0', params: [] };
  const marks = scope.sites.map(() => '?').join(', ');
  return {
    sql: `${alias}.site_id IN (SELECT id FROM sites WHERE name IN (${marks}))`,
    params: [...scope.sites],
  };
}

function where(
  filter: DeviceFilter,
  now: string,
  scope: SiteScope,
  inIdOrder = false,
): { sql: string; params: unknown[]; remediation: boolean } {
  // Paging in id order (devicesAfter, allDevices) walks the primary key from the cursor and stops at the
  // page's end; a unary + keeps the site and verdict indexes, which would make every page
  // collect and sort all matching rows first, out of the plan (SQLite and PostgreSQL alike).
  const d = inIdOrder ? '+d' : 'd';
  const limit = scopeCondition(scope, d);
  const parts: string[] = scope.all ? [] : [limit.sql];
  const params: unknown[] = [...limit.params];
  if (filter.site) {
    parts.push(`${d}.site_id = (SELECT id FROM sites WHERE name = ?)`);
    params.push(filter.site);
  }
  if (filter.verdict) {
    // By rank, not name: (site_id, verdict_rank, last_seen, id) then serves filter and order at once.
    parts.push(`${d}.verdict_rank = ?`);
    params.push(VERDICT_RANK[filter.verdict]);
  }
  if (filter.switch) {
    parts.push('d.switch_label = ?');
    params.push(filter.switch);
  }
  if (filter.vlan !== undefined) {
    parts.push('d.vlan = ?');
    params.push(filter.vlan);
  }
  // Remediation states only mean something for covered and suspect devices.
  if (filter.state) parts.push('d.verdict_rank <= 1');
  if (filter.state === 'open') {
    parts.push(`(r.state IS NULL OR r.state = 'open' OR (r.state = 'exempted' AND r.expires_at < ?))`);
    params.push(now);
  } else if (filter.state) {
    parts.push(`r.state = ? AND NOT (r.state = 'exempted' AND r.expires_at < ?)`);
    params.push(filter.state, now);
  }
  if (filter.q?.trim()) {
    parts.push(`d.search LIKE ? ESCAPE '\\'`);
    params.push(likePattern(filter.q.trim().slice(0, 128)));
  }
  return {
    sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '',
    params,
    remediation: filter.state !== undefined,
  };
}

export async function listDevices(
  q: Sql,
  filter: DeviceFilter,
  page: { offset: number; limit: number },
  scope: SiteScope,
): Promise<{ rows: DeviceRow[]; total: number }> {
  const now = new Date().toISOString();
  const w = where(filter, now, scope);
  const rows = await q.all<RawRow>(
    `SELECT ${DEVICE_COLUMNS} ${FROM} ${w.sql} ${orderBy(filter)} LIMIT ? OFFSET ?`,
    [...w.params, page.limit, page.offset],
  );
  // Counting needs neither the site names nor, without a state filter, the remediation rows.
  const join = w.remediation ? 'LEFT JOIN remediation r ON r.device_id = d.id' : '';
  const total = await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM devices d ${join} ${w.sql}`, w.params);
  return { rows: rows.map((r) => finish(r, now)), total: total?.n ?? 0 };
}

function orderBy(filter: DeviceFilter): string {
  // The default order is the one the (site_id, verdict_rank, last_seen, id) index serves.
  if (!filter.sort) return 'ORDER BY d.verdict_rank, d.last_seen DESC, d.id DESC';
  const dir = filter.dir === 'desc' ? 'DESC' : 'ASC';
  // Empty values last in both directions, the same on SQLite and PostgreSQL.
  const col = SORT_KEYS[filter.sort];
  return `ORDER BY (${col} IS NULL), ${col} ${dir}, d.id DESC`;
}

/** Switches and VLANs the device list can be filtered by. */
export async function locationChoices(
  q: Sql,
  scope: SiteScope,
  site?: string,
): Promise<{ switches: string[]; vlans: number[] }> {
  // A switch label names another site's network: only the user's sites contribute choices.
  const limit = scopeCondition(scope, 'devices');
  const cond = `AND ${limit.sql}${site ? ' AND site_id = (SELECT id FROM sites WHERE name = ?)' : ''}`;
  const params = [...limit.params, ...(site ? [site] : [])];
  const switches = await q.all<{ v: string }>(
    `SELECT DISTINCT switch_label AS v FROM devices WHERE switch_label IS NOT NULL ${cond} ORDER BY 1 LIMIT 500`,
    params,
  );
  const vlans = await q.all<{ v: number }>(
    `SELECT DISTINCT vlan AS v FROM devices WHERE vlan IS NOT NULL ${cond} ORDER BY 1 LIMIT 4096`,
    params,
  );
  return { switches: switches.map((r) => r.v), vlans: vlans.map((r) => Number(r.v)) };
}

/** Every matching device, in pages, for exports that must not hold 100,000 rows at once. */
export async function* allDevices(
  q: Sql,
  filter: DeviceFilter,
  scope: SiteScope,
  pageSize = 2000,
): AsyncGenerator<DeviceRow> {
  const now = new Date().toISOString();
  const w = where(filter, now, scope, true);
  let after = 0;
  for (;;) {
    const cond = w.sql ? `${w.sql} AND d.id > ?` : 'WHERE d.id > ?';
    const rows = await q.all<RawRow>(`SELECT ${DEVICE_COLUMNS} ${FROM} ${cond} ORDER BY d.id LIMIT ?`, [
      ...w.params,
      after,
      pageSize,
    ]);
    for (const r of rows) yield finish(r, now);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export interface DeviceDetail extends DeviceRow {
  readonly hostnames: string[];
  /** What the device showed of itself at the last scan (empty for rows stored before issue 12). */
  readonly seen: Seen;
  readonly findings: Finding[];
  readonly evidence: Evidence[];
  readonly sightings: {
    seenAt: string;
    ip: string;
    mac: string | null;
    verdict: Verdict;
    identity: Identity;
  }[];
  readonly verdictChanges: { at: string; from: Verdict | null; to: Verdict }[];
  readonly remediationLog: {
    state: string;
    approver: string | null;
    reason: string | null;
    expiresAt: string | null;
    by: string;
    at: string;
  }[];
  /** Marked removed or replaced, yet seen by a scan after that: the removal did not happen. */
  readonly seenAfterRemoval: boolean;
}

/** One device, or null when it does not exist or lies outside the scope (the two look alike). */
export async function deviceDetail(q: Sql, id: number, scope: SiteScope): Promise<DeviceDetail | null> {
  const now = new Date().toISOString();
  const limit = scopeCondition(scope);
  const row = await q.get<
    RawRow & { hostnames: string; findings: string; evidence: string; seen: string | null }
  >(
    `SELECT ${DEVICE_COLUMNS}, d.hostnames, d.findings, d.evidence, d.seen ${FROM} WHERE d.id = ? AND ${limit.sql}`,
    [id, ...limit.params],
  );
  if (!row) return null;
  const sightings = await q.all<{
    seenAt: string;
    ip: string;
    mac: string | null;
    verdict: Verdict;
    identity: string;
  }>(
    `SELECT seen_at AS "seenAt", ip, mac, verdict, identity FROM sightings WHERE device_id = ? ORDER BY seen_at DESC, id DESC LIMIT 50`,
    [id],
  );
  const verdictChanges = await q.all<{ at: string; from: Verdict | null; to: Verdict }>(
    `SELECT at, from_verdict AS "from", to_verdict AS "to" FROM verdict_changes WHERE device_id = ? ORDER BY at DESC, id DESC LIMIT 50`,
    [id],
  );
  const remediationLog = await q.all<DeviceDetail['remediationLog'][number]>(
    `SELECT state, approver, reason, expires_at AS "expiresAt", by_user AS "by", at FROM remediation_log
     WHERE device_id = ? ORDER BY id DESC LIMIT 50`,
    [id],
  );
  const base = finish(row, now);
  const removedAt = base.state === 'removed' || base.state === 'replaced' ? base.stateUpdatedAt : null;
  return {
    ...base,
    hostnames: JSON.parse(row.hostnames) as string[],
    seen: row.seen ? (JSON.parse(row.seen) as Seen) : { ports: [], items: [] },
    findings: JSON.parse(row.findings) as Finding[],
    evidence: JSON.parse(row.evidence) as Evidence[],
    sightings: sightings.map((s) => ({ ...s, identity: JSON.parse(s.identity) as Identity })),
    verdictChanges,
    remediationLog,
    seenAfterRemoval: removedAt !== null && base.lastSeen > removedAt,
  };
}

export interface RemediationInput {
  readonly state: RemediationState;
  readonly approver: string | null;
  readonly reason: string | null;
  readonly expiresAt: string | null;
}

export async function setRemediation(
  q: Sql,
  deviceId: number,
  input: RemediationInput,
  by: string,
  source = 'local',
): Promise<boolean> {
  return q.tx(async (t) => {
    const device = await t.get<{ site: string }>(
      'SELECT s.name AS site FROM devices d JOIN sites s ON s.id = d.site_id WHERE d.id = ?',
      [deviceId],
    );
    if (!device) return false;
    const before = await t.get<RemediationInput>(
      'SELECT state, approver, reason, expires_at AS "expiresAt" FROM remediation WHERE device_id = ?',
      [deviceId],
    );
    const at = new Date().toISOString();
    const values = [input.state, input.approver, input.reason, input.expiresAt, by, at];
    await t.run(
      `INSERT INTO remediation (device_id, state, approver, reason, expires_at, updated_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, approver = excluded.approver,
         reason = excluded.reason, expires_at = excluded.expires_at, updated_by = excluded.updated_by,
         updated_at = excluded.updated_at`,
      [deviceId, ...values],
    );
    await t.run(
      `INSERT INTO remediation_log (device_id, state, approver, reason, expires_at, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [deviceId, ...values],
    );
    await appendAudit(t, {
      actor: by,
      source,
      action: input.state === 'exempted' ? 'exemption' : 'remediation',
      target: `device ${deviceId}`,
      site: device.site,
      before: before ?? { state: 'open' },
      after: input,
    });
    return true;
  });
}

export interface SiteOverview {
  readonly site: string;
  readonly counts: Record<Verdict, number>;
  readonly open: number;
  readonly exempted: number;
  readonly removed: number;
  readonly lastScan: string | null;
  readonly agents: number;
  /** The coverage section of the site's latest scan that carried one, with that scan's time. */
  readonly coverage: { readonly at: string; readonly coverage: Coverage } | null;
  /** Rules version of the site's latest scan (its first ten characters are the rules' as-of date). */
  readonly rulesVersion: string | null;
  /** Oldest first: per scan, the agent's summary counts. */
  readonly trend: { at: string; covered: number; suspect: number; notCovered: number; unknown: number }[];
}

export async function overview(q: Sql, scope: SiteScope, trendPoints = 12): Promise<SiteOverview[]> {
  const now = new Date().toISOString();
  const sites = (
    await q.all<{ id: number; name: string }>('SELECT id, name FROM sites ORDER BY name')
  ).filter((site) => scope.all || scope.sites.includes(site.name));
  const counts = await q.all<{ site_id: number; verdict: Verdict; n: number }>(
    'SELECT site_id, verdict, COUNT(*) AS n FROM devices GROUP BY site_id, verdict',
  );
  const states = await q.all<{ site_id: number; state: string; n: number }>(
    `SELECT d.site_id, CASE WHEN r.state IS NULL OR (r.state = 'exempted' AND r.expires_at < ?) THEN 'open' ELSE r.state END
       AS state, COUNT(*) AS n
     FROM devices d LEFT JOIN remediation r ON r.device_id = d.id WHERE d.verdict IN ('covered', 'suspect')
     GROUP BY 1, 2`,
    [now],
  );
  const result: SiteOverview[] = [];
  for (const site of sites) {
    const c: Record<Verdict, number> = { covered: 0, suspect: 0, unknown: 0, 'not-covered': 0 };
    for (const row of counts) if (row.site_id === site.id) c[row.verdict] = row.n;
    const st = (name: string) => states.find((r) => r.site_id === site.id && r.state === name)?.n ?? 0;
    const trend = await q.all<SiteOverview['trend'][number]>(
      `SELECT finished_at AS at, covered, suspect, not_covered AS "notCovered", unknown FROM scans
       WHERE site_id = ? ORDER BY finished_at DESC LIMIT ?`,
      [site.id, trendPoints],
    );
    const meta = await q.get<{ agents: number; last: string | null; rules: string | null }>(
      `SELECT (SELECT COUNT(*) FROM agents WHERE site_id = ?) AS agents, (SELECT MAX(finished_at) FROM scans WHERE site_id = ?) AS last,
         (SELECT rules_version FROM scans WHERE site_id = ? ORDER BY finished_at DESC, id DESC LIMIT 1) AS rules`,
      [site.id, site.id, site.id],
    );
    const cov = await q.get<{ at: string; coverage: string }>(
      `SELECT finished_at AS at, coverage FROM scans WHERE site_id = ? AND coverage IS NOT NULL
       ORDER BY finished_at DESC LIMIT 1`,
      [site.id],
    );
    result.push({
      site: site.name,
      coverage: cov ? { at: cov.at, coverage: JSON.parse(cov.coverage) as Coverage } : null,
      counts: c,
      open: st('open'),
      exempted: st('exempted'),
      removed: st('removed') + st('replaced'),
      lastScan: meta?.last ?? null,
      agents: meta?.agents ?? 0,
      rulesVersion: meta?.rules ?? null,
      trend: trend.reverse(),
    });
  }
  return result;
}

export async function siteNames(q: Sql, scope: SiteScope): Promise<string[]> {
  const names = (await q.all<{ name: string }>('SELECT name FROM sites ORDER BY name')).map((r) => r.name);
  return names.filter((name) => scope.all || scope.sites.includes(name));
}

/** The site a device belongs to, or null when there is no such device. */
export async function siteOfDevice(q: Sql, id: number): Promise<string | null> {
  const row = await q.get<{ name: string }>(
    'SELECT s.name FROM devices d JOIN sites s ON s.id = d.site_id WHERE d.id = ?',
    [id],
  );
  return row?.name ?? null;
}

export async function deviceExtras(
  q: Sql,
  id: number,
): Promise<{ findings: Finding[]; evidence: Evidence[]; hostnames: string[] } | null> {
  const row = await q.get<{ findings: string; evidence: string; hostnames: string }>(
    'SELECT findings, evidence, hostnames FROM devices WHERE id = ?',
    [id],
  );
  if (!row) return null;
  return {
    findings: JSON.parse(row.findings) as Finding[],
    evidence: JSON.parse(row.evidence) as Evidence[],
    hostnames: JSON.parse(row.hostnames) as string[],
  };
}

/**
 * One page of devices in id order after `afterId`, with their findings: what the read API
 * pages through with a cursor (routes/api/). `extra` narrows further with a condition of the
 * caller's (its `changedSince`), written against the same aliases (d, s, r).
 */
export async function devicesAfter(
  q: Sql,
  filter: DeviceFilter,
  scope: SiteScope,
  page: { afterId: number; limit: number },
  extra: { sql: string; params: unknown[] } | null = null,
): Promise<(DeviceRow & { findings: Finding[] })[]> {
  const now = new Date().toISOString();
  const w = where(filter, now, scope, true);
  const conds = [w.sql ? w.sql.slice('WHERE '.length) : '1 = 1', 'd.id > ?', extra?.sql ?? '1 = 1'];
  const rows = await q.all<RawRow & { findings: string }>(
    `SELECT ${DEVICE_COLUMNS}, d.findings ${FROM} WHERE ${conds.join(' AND ')} ORDER BY d.id LIMIT ?`,
    [...w.params, page.afterId, ...(extra?.params ?? []), page.limit],
  );
  return rows.map(({ findings, ...r }) => ({
    ...finish(r, now),
    findings: JSON.parse(findings) as Finding[],
  }));
}
