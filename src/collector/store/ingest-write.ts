/**
 * Reads a report's candidate rows and writes its plan (ingest-plan.ts). PostgreSQL gets each
 * kind of row in one set-based statement over `unnest` arrays — about ten round trips per
 * report whatever its size, instead of three or four per device. SQLite runs in-process, where
 * a prepared statement per row costs no round trip, so it keeps the simple per-row form.
 */

import { usableSerial } from '../../contract/identity.js';
import type { Device } from '../../contract/types.js';
import type { Sql } from '../db/sql.js';
import { CANDIDATE_COLUMNS, type Candidate } from './device-match.js';
import { DEVICE_COLUMNS, type IngestPlan, type RowWrite } from './ingest-plan.js';

/** Every stored row at the site sharing a MAC, serial or IP with a device of the report. */
export async function loadCandidates(
  q: Sql,
  siteId: number,
  devices: readonly Device[],
): Promise<Candidate[]> {
  const macs = [...new Set(devices.map((d) => d.mac).filter((m): m is string => m !== null))];
  const serials = [
    ...new Set(devices.map((d) => usableSerial(d.identity.serial)).filter((s): s is string => s !== null)),
  ];
  const ips = [...new Set(devices.map((d) => d.ip))];
  if (devices.length === 0) return [];
  // One indexed lookup per key kind; UNION removes rows found by two of them.
  const inList = q.dialect === 'postgres' ? '= ANY(?::text[])' : 'IN (SELECT value FROM json_each(?))';
  const list = (xs: string[]) => (q.dialect === 'postgres' ? xs : JSON.stringify(xs));
  return q.all<Candidate>(
    `SELECT ${CANDIDATE_COLUMNS} FROM devices WHERE site_id = ? AND mac ${inList}
     UNION SELECT ${CANDIDATE_COLUMNS} FROM devices WHERE site_id = ? AND serial ${inList}
     UNION SELECT ${CANDIDATE_COLUMNS} FROM devices WHERE site_id = ? AND ip ${inList}`,
    [siteId, list(macs), siteId, list(serials), siteId, list(ips)],
  );
}

/** Writes the plan; returns how a plan reference maps to the device's row id. */
export async function writePlan(
  q: Sql,
  plan: IngestPlan,
  siteId: number,
  scanId: number,
): Promise<(ref: number) => number> {
  const ids =
    q.dialect === 'postgres'
      ? await writeDevicesPg(q, plan, siteId, scanId)
      : await writeDevicesSqlite(q, plan, siteId, scanId);
  const id = (ref: number) => (ref < 0 ? ids.get(ref)! : ref);
  if (q.dialect === 'postgres') {
    const s = plan.sightings;
    await q.run(
      `INSERT INTO sightings (device_id, scan_id, seen_at, ip, mac, verdict, identity, evidence)
       SELECT u.device_id, ?::bigint, ?, u.ip, u.mac, u.verdict, u.identity, u.evidence
       FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
         AS u(device_id, ip, mac, verdict, identity, evidence)`,
      [
        scanId,
        plan.seenAt,
        s.map((x) => id(x.ref)),
        s.map((x) => x.ip),
        s.map((x) => x.mac),
        s.map((x) => x.verdict),
        s.map((x) => x.identity),
        s.map((x) => x.evidence),
      ],
    );
    const c = plan.changes;
    if (c.length > 0)
      await q.run(
        `INSERT INTO verdict_changes (device_id, scan_id, at, from_verdict, to_verdict)
         SELECT u.device_id, ?::bigint, ?, u.from_verdict, u.to_verdict
         FROM unnest(?::bigint[], ?::text[], ?::text[]) AS u(device_id, from_verdict, to_verdict)`,
        [scanId, plan.seenAt, c.map((x) => id(x.ref)), c.map((x) => x.from), c.map((x) => x.to)],
      );
    return id;
  }
  for (const x of plan.sightings)
    await q.run(
      'INSERT INTO sightings (device_id, scan_id, seen_at, ip, mac, verdict, identity, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [id(x.ref), scanId, plan.seenAt, x.ip, x.mac, x.verdict, x.identity, x.evidence],
    );
  for (const x of plan.changes)
    await q.run(
      'INSERT INTO verdict_changes (device_id, scan_id, at, from_verdict, to_verdict) VALUES (?, ?, ?, ?, ?)',
      [id(x.ref), scanId, plan.seenAt, x.from, x.to],
    );
  return id;
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
  for (const w of plan.inserts) {
    const row = await q.get<{ id: number }>(
      `INSERT INTO devices (${DEVICE_COLUMNS.join(', ')}, site_id, mac, serial, first_seen, last_seen, last_scan_id)
       VALUES (${placeholders}, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [...stateValues(w), siteId, w.mac, w.serial, plan.seenAt, plan.seenAt, scanId],
    );
    ids.set(w.ref, row!.id);
  }
  const assignments = DEVICE_COLUMNS.map((c) => `${c} = ?`).join(', ');
  for (const w of plan.updates.values())
    await q.run(
      `UPDATE devices SET ${assignments}, mac = ?, serial = ?, last_seen = ?, last_scan_id = ? WHERE id = ?`,
      [...stateValues(w), w.mac, w.serial, plan.seenAt, scanId, w.ref],
    );
  for (const [id, at] of plan.firstSeen)
    await q.run('UPDATE devices SET first_seen = ? WHERE id = ?', [at, id]);
  return ids;
}

/** PostgreSQL array type of each device column, for `unnest`. */
const PG_TYPES: Record<(typeof DEVICE_COLUMNS)[number], string> = {
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

const columnArrays = (writes: readonly RowWrite[]) =>
  DEVICE_COLUMNS.map((c) => writes.map((w) => w.state[c]));
const unnestArgs = DEVICE_COLUMNS.map((c) => `?::${PG_TYPES[c]}[]`).join(', ');

async function writeDevicesPg(
  q: Sql,
  plan: IngestPlan,
  siteId: number,
  scanId: number,
): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  const inserts = plan.inserts;
  if (inserts.length > 0) {
    // Ids first, from the table's own sequence, so sightings can name the new rows.
    const fresh = await q.all<{ id: number }>(
      "SELECT nextval(pg_get_serial_sequence('devices', 'id')) AS id FROM generate_series(1, ?::int)",
      [inserts.length],
    );
    for (const [i, w] of inserts.entries()) ids.set(w.ref, fresh[i]!.id);
    await q.run(
      `INSERT INTO devices (id, ${DEVICE_COLUMNS.join(', ')}, mac, serial, site_id, first_seen, last_seen, last_scan_id)
       SELECT u.*, ?::bigint, ?, ?, ?::bigint
       FROM unnest(?::bigint[], ${unnestArgs}, ?::text[], ?::text[]) AS u`,
      [
        siteId,
        plan.seenAt,
        plan.seenAt,
        scanId,
        inserts.map((w) => ids.get(w.ref)),
        ...columnArrays(inserts),
        inserts.map((w) => w.mac),
        inserts.map((w) => w.serial),
      ],
    );
  }
  const updates = [...plan.updates.values()];
  if (updates.length > 0)
    await q.run(
      `UPDATE devices AS d SET ${DEVICE_COLUMNS.map((c) => `${c} = u.${c}`).join(', ')}, mac = u.mac,
         serial = u.serial, last_seen = ?, last_scan_id = ?::bigint
       FROM unnest(?::bigint[], ${unnestArgs}, ?::text[], ?::text[])
         AS u(id, ${DEVICE_COLUMNS.join(', ')}, mac, serial)
       WHERE d.id = u.id`,
      [
        plan.seenAt,
        scanId,
        updates.map((w) => w.ref),
        ...columnArrays(updates),
        updates.map((w) => w.mac),
        updates.map((w) => w.serial),
      ],
    );
  if (plan.firstSeen.size > 0)
    await q.run(
      `UPDATE devices AS d SET first_seen = u.at FROM unnest(?::bigint[], ?::text[]) AS u(id, at) WHERE d.id = u.id`,
      [[...plan.firstSeen.keys()], [...plan.firstSeen.values()]],
    );
  return ids;
}
