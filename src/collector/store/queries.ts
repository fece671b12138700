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

/** An exemption past its expiry counts as open again (the same rule as effectiveState). */
const IN_FORCE = `NOT (r.state = 'exempted' AND r.expires_at IS NOT NULL AND r.expires_at < ?)`;

function where(
  filter: DeviceFilter,
  now: string,
  scope: SiteScope,
  inIdOrder = false,
): { sql: string; params: unknown[] } {
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
  // As a (NOT) IN over remediation rather than a join: the planner then knows "open" is nearly
  // every device and walks the list's index in order, and reads remediation once (a hashed
  // subplan) instead of once per device when counting.
  if (filter.state === 'open') {
    parts.push(`d.id NOT IN (SELECT r.device_id FROM remediation r WHERE r.state <> 'open' AND ${IN_FORCE})`);
    params.push(now);
  } else if (filter.state) {
    parts.push(`d.id IN (SELECT r.device_id FROM remediation r WHERE r.state = ? AND ${IN_FORCE})`);
    params.push(filter.state, now);
  }
  if (filter.q?.trim()) {
    parts.push(`d.search LIKE ? ESCAPE '\\'`);
    params.push(likePattern(filter.q.trim().slice(0, 128)));
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export async function listDevices(
  q: Sql,
  filter: DeviceFilter,
  page: { offset: number; limit: number },
  scope: SiteScope,
): Promise<{ rows: DeviceRow[]; total: number }> {
  const now = new Date().toISOString();
  const w = where(filter, now, scope);
  const order = orderBy(filter);
  // The page's ids first, from devices alone (an index-only walk for most filters), then the
  // columns, site names and remediation of those rows only: a deep page skips its offset's
  // rows without joining or reading each of them. CROSS JOIN keeps SQLite from reading all of
  // devices in list order and looking each row up in the page (it does that for a plain JOIN).
  const sites = filter.sort === 'site' ? 'JOIN sites s ON s.id = d.site_id' : '';
  // A free-text search has no index (a trigram index would cost every ingest and rescan a
  // third of its speed, measured for issue 15), so its page and its count each read the table:
  // 53 + 54 ms at 100,000 devices on PostgreSQL. Where the two can run at once on two
  // connections (PostgreSQL outside a transaction), they do, and the list waits for the slower.
  // Elsewhere a search counts in its page's own scan (COUNT(*) OVER () is taken before LIMIT),
  // one read instead of two; not on PostgreSQL's pool, where sorting every match for the window
  // made a broad search at 1,000,000 devices take 2.1 s against 0.6 s for the two reads.
  // Other filters walk an index and stop at the page's end, which a window count would undo.
  const searching = Boolean(filter.q?.trim());
  const windowed = searching && !q.concurrent;
  const pageRows = q.all<RawRow & { total?: number }>(
    `SELECT ${DEVICE_COLUMNS}${windowed ? ', page.total' : ''}
     FROM (SELECT d.id${windowed ? ', COUNT(*) OVER () AS total' : ''} FROM devices d ${sites} ${w.sql} ${order} LIMIT ? OFFSET ?) page
       CROSS JOIN devices d JOIN sites s ON s.id = d.site_id LEFT JOIN remediation r ON r.device_id = d.id
     WHERE d.id = page.id
     ${order}`,
    [...w.params, page.limit, page.offset],
  );
  const countAll = () => q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM devices d ${w.sql}`, w.params);
  const counting = windowed ? null : countAll();
  // Awaited below; until then a failure of the count must not go unhandled.
  counting?.catch(() => undefined);
  const rows = await pageRows;
  // A page past the end carries no window count.
  const total = windowed && rows.length > 0 ? rows[0]!.total : (await (counting ?? countAll()))?.n;
  return { rows: rows.map(({ total: _, ...r }) => finish(r, now)), total: Number(total ?? 0) };
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
  for await (const { row } of devicePages(q, filter, scope, pageSize, false)) yield row;
}

export type DeviceWithExtras = DeviceRow & {
  readonly findings: Finding[];
  readonly evidence: Evidence[];
  readonly hostnames: string[];
};

/**
 * Every matching device with its findings, evidence and host names, read in the same pages:
 * the JSON export of 1,000,000 devices then costs 500 queries, not one more per device.
 */
export async function* allDevicesWithExtras(
  q: Sql,
  filter: DeviceFilter,
  scope: SiteScope,
  pageSize = 2000,
): AsyncGenerator<DeviceWithExtras> {
  for await (const { row, extras } of devicePages(q, filter, scope, pageSize, true)) {
    yield {
      ...row,
      findings: JSON.parse(extras!.findings) as Finding[],
      evidence: JSON.parse(extras!.evidence) as Evidence[],
      hostnames: JSON.parse(extras!.hostnames) as string[],
    };
  }
}

type Extras = { findings: string; evidence: string; hostnames: string };

async function* devicePages(
  q: Sql,
  filter: DeviceFilter,
  scope: SiteScope,
  pageSize: number,
  withExtras: boolean,
): AsyncGenerator<{ row: DeviceRow; extras: Extras | null }> {
  const now = new Date().toISOString();
  const w = where(filter, now, scope, true);
  const columns = withExtras ? `${DEVICE_COLUMNS}, d.findings, d.evidence, d.hostnames` : DEVICE_COLUMNS;
  let after = 0;
  for (;;) {
    const cond = w.sql ? `${w.sql} AND d.id > ?` : 'WHERE d.id > ?';
    const rows = await q.all<RawRow & Partial<Extras>>(
      `SELECT ${columns} ${FROM} ${cond} ORDER BY d.id LIMIT ?`,
      [...w.params, after, pageSize],
    );
    for (const r of rows) {
      const { findings, evidence, hostnames, ...raw } = r;
      yield {
        row: finish(raw, now),
        extras: withExtras ? { findings: findings!, evidence: evidence!, hostnames: hostnames! } : null,
      };
    }
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

/** Verdict of each rank (VERDICT_RANK inverted). */
const VERDICT_OF_RANK = Object.fromEntries(Object.entries(VERDICT_RANK).map(([v, r]) => [r, v])) as Record<
  number,
  Verdict
>;

/**
 * Every site's figures in five statements whatever the number of sites (it was three per site,
 * 600 round trips for 200 sites). Counts group by the rank the list index is built on, so they
 * can be read off an index; "the last N scans of each site" is a window over the scans.
 */
export async function overview(q: Sql, scope: SiteScope, trendPoints = 12): Promise<SiteOverview[]> {
  const now = new Date().toISOString();
  const sites = (
    await q.all<{ id: number; name: string }>('SELECT id, name FROM sites ORDER BY name')
  ).filter((site) => scope.all || scope.sites.includes(site.name));
  const bySite = <T extends { site_id: number }>(rows: T[]) => {
    const map = new Map<number, T[]>();
    for (const row of rows) {
      const id = Number(row.site_id);
      const list = map.get(id);
      if (list) list.push(row);
      else map.set(id, [row]);
    }
    return map;
  };
  const counts = bySite(
    await q.all<{ site_id: number; rank: number; n: number }>(
      'SELECT site_id, verdict_rank AS rank, COUNT(*) AS n FROM devices GROUP BY site_id, verdict_rank',
    ),
  );
  const states = bySite(
    await q.all<{ site_id: number; state: string; n: number }>(
      `SELECT d.site_id, CASE WHEN r.state IS NULL OR (r.state = 'exempted' AND r.expires_at < ?) THEN 'open' ELSE r.state END
         AS state, COUNT(*) AS n
       FROM devices d LEFT JOIN remediation r ON r.device_id = d.id WHERE d.verdict_rank <= 1
       GROUP BY 1, 2`,
      [now],
    ),
  );
  type ScanPoint = SiteOverview['trend'][number] & { site_id: number; rules: string };
  const trends = bySite(
    await q.all<ScanPoint>(
      `SELECT site_id, at, covered, suspect, "notCovered", unknown, rules FROM (
         SELECT site_id, finished_at AS at, covered, suspect, not_covered AS "notCovered", unknown,
           rules_version AS rules, ROW_NUMBER() OVER (PARTITION BY site_id ORDER BY finished_at DESC, id DESC) AS n
         FROM scans) t
       WHERE n <= ? ORDER BY site_id, n`,
      [Math.max(1, trendPoints)],
    ),
  );
  const coverages = bySite(
    await q.all<{ site_id: number; at: string; coverage: string }>(
      `SELECT site_id, at, coverage FROM (
         SELECT site_id, finished_at AS at, coverage,
           ROW_NUMBER() OVER (PARTITION BY site_id ORDER BY finished_at DESC, id DESC) AS n
         FROM scans WHERE coverage IS NOT NULL) t
       WHERE n = 1`,
    ),
  );
  const agents = bySite(
    await q.all<{ site_id: number; n: number }>('SELECT site_id, COUNT(*) AS n FROM agents GROUP BY site_id'),
  );
  return sites.map((site) => {
    const c: Record<Verdict, number> = { covered: 0, suspect: 0, unknown: 0, 'not-covered': 0 };
    for (const row of counts.get(site.id) ?? []) c[VERDICT_OF_RANK[Number(row.rank)]!] = Number(row.n);
    const st = (name: string) => Number(states.get(site.id)?.find((r) => r.state === name)?.n ?? 0);
    const scans = trends.get(site.id) ?? [];
    const latest = scans[0];
    const cov = coverages.get(site.id)?.[0];
    return {
      site: site.name,
      coverage: cov ? { at: cov.at, coverage: JSON.parse(cov.coverage) as Coverage } : null,
      counts: c,
      open: st('open'),
      exempted: st('exempted'),
      removed: st('removed') + st('replaced'),
      lastScan: latest?.at ?? null,
      agents: Number(agents.get(site.id)?.[0]?.n ?? 0),
      rulesVersion: latest?.rules ?? null,
      trend: scans
        .slice(0, trendPoints)
        .map(({ at, covered, suspect, notCovered, unknown }) => ({
          at,
          covered: Number(covered),
          suspect: Number(suspect),
          notCovered: Number(notCovered),
          unknown: Number(unknown),
        }))
        .reverse(),
    };
  });
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
