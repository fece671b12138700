/**
 * Reads a report's candidate rows and writes its plan (ingest-plan.ts).
 *
 * PostgreSQL gets each kind of row in one set-based statement: a handful of round trips per
 * report whatever its size. New device rows, sightings and verdict changes go by COPY (their ids
 * are known beforehand), which parses text lines where `unnest` had to parse one array literal
 * per column (issue 15: 1,000 new device rows took about 31 ms by COPY against 40 ms by
 * `unnest`, timed from the collector on the loaded 2-core development machine). Updates of changed rows keep `unnest` arrays; one JSON
 * document through `json_to_recordset` cost about a third more server time, `jsonb_to_recordset`
 * twice as much. A rescan that finds a row exactly as stored only moves its last sighting.
 *
 * SQLite runs in-process, where a prepared statement per row costs no round trip, so it keeps
 * the per-row form; it hands the event loop back every few hundred rows so that a large report
 * does not stall the health check and dashboard reads (which use their own connection, db/sqlite.ts).
 */

import type { Device } from '../../contract/types.js';
import { copyChunks } from '../db/copy-text.js';
import type { Sql } from '../db/sql.js';
import {
  DEVICE_COLUMNS,
  type DeviceState,
  deviceSerial,
  type IngestPlan,
  type RowWrite,
  type StoredDevice,
} from './ingest-plan.js';

/** Rows per statement: bounds the size of one statement for reports of tens of thousands of devices. */
export const ROWS_PER_STATEMENT = 2000;
/** SQLite rows written between two turns of the event loop. */
const ROWS_PER_TURN = 250;

export function* slices<T>(rows: readonly T[], size = ROWS_PER_STATEMENT): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/** Lets other requests (the health check, dashboard reads) run between chunks of a long write. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What a stored row is loaded with: the matching's columns and every column a sighting rewrites. */
const STORED_COLUMNS = `id, mac, serial, last_seen, first_seen, ${DEVICE_COLUMNS.join(', ')}`;

/** Every stored row at the site sharing a MAC, serial or IP with a device of the report. */
export async function loadCandidates(
  q: Sql,
  siteId: number,
  devices: readonly Device[],
): Promise<StoredDevice[]> {
  if (devices.length === 0) return [];
  const macs = [...new Set(devices.map((d) => d.mac).filter((m): m is string => m !== null))];
  const serials = [...new Set(devices.map(deviceSerial).filter((s): s is string => s !== null))];
  const ips = [...new Set(devices.map((d) => d.ip))];
  // One indexed lookup per key kind; UNION removes rows found by two of them.
  if (q.dialect === 'postgres') {
    // One index probe per key, fenced (OFFSET 0) so the planner cannot turn it into a scan of
    // the whole site: with `= ANY(…)` or a plain join, and statistics not yet caught up with a
    // bulk load, it read every row of the site and filtered it (measured: 140 ms per
    // 1,000-device report at 20,000 devices per site, machine load about 10, growing with the site).
    // The union is of ids only, then each row is read once by its key: de-duplicating whole
    // rows (their evidence and findings) would hash every column.
    const by = (column: string) =>
      `SELECT c.id FROM unnest(?::text[]) AS k(v), LATERAL (
         SELECT id FROM devices WHERE site_id = ? AND ${column} = k.v OFFSET 0) c`;
    return q.all<StoredDevice>(
      `SELECT d.* FROM (${by('mac')} UNION ${by('serial')} UNION ${by('ip')}) AS m,
         LATERAL (SELECT ${STORED_COLUMNS} FROM devices WHERE id = m.id OFFSET 0) d`,
      [macs, siteId, serials, siteId, ips, siteId],
    );
  }
  const inList = 'IN (SELECT value FROM json_each(?))';
  return q.all<StoredDevice>(
    `SELECT ${STORED_COLUMNS} FROM devices WHERE site_id = ? AND mac ${inList}
     UNION SELECT ${STORED_COLUMNS} FROM devices WHERE site_id = ? AND serial ${inList}
     UNION SELECT ${STORED_COLUMNS} FROM devices WHERE site_id = ? AND ip ${inList}`,
    [siteId, JSON.stringify(macs), siteId, JSON.stringify(serials), siteId, JSON.stringify(ips)],
  );
}

/** Writes the plan's device rows and history; returns how a plan reference maps to the row id. */
export async function writePlan(
  q: Sql,
  plan: IngestPlan,
  siteId: number,
  scanId: number,
): Promise<(ref: number) => number> {
  if (q.dialect === 'postgres') {
    const ids = await newDeviceIds(q, plan);
    const id = (ref: number) => (ref < 0 ? ids.get(ref)! : ref);
    await runOverlapped([
      ...deviceStepsPg(q, plan, siteId, scanId, ids),
      ...historyStepsPg(q, plan, scanId, id),
    ]);
    return id;
  }
  const ids = await writeDevicesSqlite(q, plan, siteId, scanId);
  const id = (ref: number) => (ref < 0 ? ids.get(ref)! : ref);
  await writeHistorySqlite(q, plan, scanId, id);
  return id;
}

async function writeHistorySqlite(q: Sql, plan: IngestPlan, scanId: number, id: (ref: number) => number) {
  let written = 0;
  for (const x of plan.sightings) {
    await q.run(
      'INSERT INTO sightings (device_id, scan_id, seen_at, ip, mac, verdict, identity, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [id(x.ref), scanId, plan.seenAt, x.ip, x.mac, x.verdict, x.identity, x.evidence],
    );
    if (++written % ROWS_PER_TURN === 0) await nextTurn();
  }
  for (const x of plan.changes)
    await q.run(
      'INSERT INTO verdict_changes (device_id, scan_id, at, from_verdict, to_verdict) VALUES (?, ?, ?, ?, ?)',
      [id(x.ref), scanId, plan.seenAt, x.from, x.to],
    );
}

/**
 * One statement of a PostgreSQL write: `encode` builds what it sends (COPY text, array
 * parameters), `send` sends it. Encoding is a large part of a write's cost on this side.
 */
interface Step<T = unknown> {
  encode(): T;
  send(payload: T): Promise<unknown>;
}
const step = <T>(encode: () => T, send: (payload: T) => Promise<unknown>): Step => ({
  encode,
  send: (payload) => send(payload as T),
});

/**
 * Runs the steps in order on one connection, encoding each next statement while the server
 * works on the one before. Only one statement is ever in flight: pg 8 deprecates queueing a
 * query behind another on the same client.
 */
async function runOverlapped(steps: readonly Step[]): Promise<void> {
  let payload = steps[0]?.encode();
  for (const [i, s] of steps.entries()) {
    const sent = s.send(payload);
    // Without a listener until it is awaited, a failure while the next one encodes would be unhandled.
    sent.catch(() => undefined);
    payload = steps[i + 1]?.encode();
    await sent;
  }
}

/** The driver's COPY; only the PostgreSQL driver has one (db/postgres.ts). */
function copier(q: Sql): NonNullable<Sql['copyText']> {
  if (!q.copyText) throw new Error(`bulk COPY is PostgreSQL only, not ${q.dialect}`);
  return q.copyText;
}

function historyStepsPg(q: Sql, plan: IngestPlan, scanId: number, id: (ref: number) => number): Step[] {
  const copy = copier(q);
  const steps: Step[] = [];
  const sightings = ['device_id', 'scan_id', 'seen_at', 'ip', 'mac', 'verdict', 'identity', 'evidence'];
  if (plan.sightings.length > 0)
    steps.push(
      step(
        () =>
          copyChunks(
            plan.sightings.map((x) => [
              id(x.ref),
              scanId,
              plan.seenAt,
              x.ip,
              x.mac,
              x.verdict,
              x.identity,
              x.evidence,
            ]),
          ),
        (chunks) => copy('sightings', sightings, chunks),
      ),
    );
  const changes = ['device_id', 'scan_id', 'at', 'from_verdict', 'to_verdict'];
  if (plan.changes.length > 0)
    steps.push(
      step(
        () => copyChunks(plan.changes.map((x) => [id(x.ref), scanId, plan.seenAt, x.from, x.to])),
        (chunks) => copy('verdict_changes', changes, chunks),
      ),
    );
  return steps;
}

const stateValues = (w: RowWrite) => DEVICE_COLUMNS.map((c) => w.state[c]);

async function writeDevicesSqlite(
  q: Sql,
  plan: IngestPlan,
  siteId: number,
  scanId: number,
): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  const placeholders = DEVICE_COLUMNS.map(() => '?').join(', ');
  let written = 0;
  for (const w of plan.inserts) {
    const row = await q.get<{ id: number }>(
      `INSERT INTO devices (${DEVICE_COLUMNS.join(', ')}, site_id, mac, serial, first_seen, last_seen, last_scan_id)
       VALUES (${placeholders}, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [...stateValues(w), siteId, w.mac, w.serial, plan.seenAt, plan.seenAt, scanId],
    );
    ids.set(w.ref, row!.id);
    if (++written % ROWS_PER_TURN === 0) await nextTurn();
  }
  const assignments = DEVICE_COLUMNS.map((c) => `${c} = ?`).join(', ');
  for (const w of plan.updates.values()) {
    if (w.unchanged)
      await q.run('UPDATE devices SET last_seen = ?, last_scan_id = ? WHERE id = ?', [
        plan.seenAt,
        scanId,
        w.ref,
      ]);
    else
      await q.run(
        `UPDATE devices SET ${assignments}, mac = ?, serial = ?, last_seen = ?, last_scan_id = ? WHERE id = ?`,
        [...stateValues(w), w.mac, w.serial, plan.seenAt, scanId, w.ref],
      );
    if (++written % ROWS_PER_TURN === 0) await nextTurn();
  }
  for (const [id, at] of plan.firstSeen)
    await q.run('UPDATE devices SET first_seen = ? WHERE id = ?', [at, id]);
  return ids;
}

/** PostgreSQL array type of each device column, for `unnest`. */
const PG_TYPES: Record<keyof DeviceState, string> = {
  ip: 'text',
  hostnames: 'text',
  manufacturer: 'text',
  brand: 'text',
  device_type: 'text',
  model: 'text',
  firmware: 'text',
  confidence: 'float8',
  verdict: 'text',
  verdict_rank: 'int4',
  rules: 'text',
  findings: 'text',
  evidence: 'text',
  rules_version: 'text',
  search: 'text',
  location: 'text',
  switch_label: 'text',
  vlan: 'int4',
  seen: 'text',
};

/** Arguments of `unnest`: row id, each state column, MAC, serial. */
const DEVICE_ARRAYS = `?::bigint[], ${DEVICE_COLUMNS.map((c) => `?::${PG_TYPES[c]}[]`).join(', ')}, ?::text[], ?::text[]`;
const deviceArrays = (rows: readonly RowWrite[], idOf: (w: RowWrite) => number) => [
  rows.map(idOf),
  ...DEVICE_COLUMNS.map((c) => rows.map((w) => w.state[c])),
  rows.map((w) => w.mac),
  rows.map((w) => w.serial),
];

/** Ids for the plan's new rows, from the table's own sequence, so history rows can name them. */
async function newDeviceIds(q: Sql, plan: IngestPlan): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  if (plan.inserts.length === 0) return ids;
  const fresh = await q.all<{ id: number }>(
    "SELECT nextval(pg_get_serial_sequence('devices', 'id')) AS id FROM generate_series(1, ?::int)",
    [plan.inserts.length],
  );
  for (const [i, w] of plan.inserts.entries()) ids.set(w.ref, fresh[i]!.id);
  return ids;
}

const NEW_DEVICE_COLUMNS = [
  'id',
  ...DEVICE_COLUMNS,
  'mac',
  'serial',
  'site_id',
  'first_seen',
  'last_seen',
  'last_scan_id',
];

function deviceStepsPg(
  q: Sql,
  plan: IngestPlan,
  siteId: number,
  scanId: number,
  ids: ReadonlyMap<number, number>,
): Step[] {
  const steps: Step[] = [];
  if (plan.inserts.length > 0)
    steps.push(
      step(
        () =>
          copyChunks(
            plan.inserts.map((w) => [
              ids.get(w.ref)!,
              ...stateValues(w),
              w.mac,
              w.serial,
              siteId,
              plan.seenAt,
              plan.seenAt,
              scanId,
            ]),
          ),
        (chunks) => copier(q)('devices', NEW_DEVICE_COLUMNS, chunks),
      ),
    );
  const updates = [...plan.updates.values()];
  // Rows the report saw exactly as stored (most of a rescan): only the last sighting moves.
  for (const part of slices(updates.filter((w) => w.unchanged)))
    steps.push(
      step(
        () => part.map((w) => w.ref),
        (rows) =>
          q.run('UPDATE devices SET last_seen = ?, last_scan_id = ?::bigint WHERE id = ANY(?::bigint[])', [
            plan.seenAt,
            scanId,
            rows,
          ]),
      ),
    );
  // `d.id = ANY(…)` as well as the join: without it the planner, which cannot see inside
  // `unnest`, may read the whole devices table into a hash join (measured: 8 ms at 20,000
  // devices, growing with the table, per statement).
  for (const part of slices(updates.filter((w) => !w.unchanged)))
    steps.push(
      step(
        () => deviceArrays(part, (w) => w.ref),
        (arrays) =>
          q.run(
            `UPDATE devices AS d SET ${DEVICE_COLUMNS.map((c) => `${c} = u.${c}`).join(', ')}, mac = u.mac,
               serial = u.serial, last_seen = ?, last_scan_id = ?::bigint
             FROM unnest(${DEVICE_ARRAYS}) AS u(id, ${DEVICE_COLUMNS.join(', ')}, mac, serial)
             WHERE d.id = ANY(?::bigint[]) AND d.id = u.id`,
            [plan.seenAt, scanId, ...arrays, arrays[0]],
          ),
      ),
    );
  for (const part of slices([...plan.firstSeen]))
    steps.push(
      step(
        () => [part.map(([id]) => id), part.map(([, at]) => at)] as const,
        ([rows, at]) =>
          q.run(
            `UPDATE devices AS d SET first_seen = u.at FROM unnest(?::bigint[], ?::text[]) AS u(id, at)
             WHERE d.id = ANY(?::bigint[]) AND d.id = u.id`,
            [rows, at, rows],
          ),
      ),
    );
  return steps;
}
