/**
 * What one report does to the store, decided in memory before anything is written: which
 * devices are new, which stored rows it updates (each row's final state once), which only gain
 * an earlier first sighting, and the history rows (sightings, verdict changes). Devices are
 * taken in report order exactly as a row-by-row ingest would, so a later device of the same
 * report sees the rows earlier ones added or moved. The writer then sends each kind of row in
 * one set-based statement.
 */

import { pickDevice, usableSerial } from '../../contract/identity.js';
import type { Device, Report, Verdict } from '../../contract/types.js';
import { type Candidate, CandidateIndex } from './device-match.js';
import { deviceContext } from './seen.js';

export const VERDICT_RANK: Record<Verdict, number> = { covered: 0, suspect: 1, unknown: 2, 'not-covered': 3 };

export function searchText(d: Device): string {
  const i = d.identity;
  const where = d.location
    ? [d.location.switchName, d.location.switch, d.location.port, d.location.portAlias]
    : [];
  return [
    d.ip,
    d.mac,
    i.serial,
    i.manufacturer,
    i.brand,
    i.model,
    i.firmware,
    i.deviceType,
    ...d.hostnames,
    ...where,
  ]
    .filter(Boolean)
    .join(' ')
    .toLowerCase()
    .slice(0, 2048);
}

/** The device columns a sighting rewrites, in `DEVICE_COLUMNS` order. */
export interface DeviceState {
  readonly ip: string;
  readonly hostnames: string;
  readonly manufacturer: string | null;
  readonly brand: string | null;
  readonly device_type: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly confidence: number;
  readonly verdict: string;
  readonly verdict_rank: number;
  readonly rules: string;
  readonly findings: string;
  readonly evidence: string;
  readonly rules_version: string;
  readonly search: string;
  /** Where a switch saw it (JSON), the switch label and VLAN for filtering, and what was seen. */
  readonly location: string | null;
  readonly switch_label: string | null;
  readonly vlan: number | null;
  readonly seen: string;
}

export const DEVICE_COLUMNS: readonly (keyof DeviceState)[] = [
  'ip',
  'hostnames',
  'manufacturer',
  'brand',
  'device_type',
  'model',
  'firmware',
  'confidence',
  'verdict',
  'verdict_rank',
  'rules',
  'findings',
  'evidence',
  'rules_version',
  'search',
  'location',
  'switch_label',
  'vlan',
  'seen',
];

/** A stored row as loaded for matching: what the matching needs and every column a sighting rewrites. */
export type StoredDevice = Candidate & DeviceState;

/** A row this report writes in full: new (`isNew`) or an existing row's final state. */
export interface RowWrite {
  /** Existing row id, or a negative placeholder for a new row until the writer has its id. */
  readonly ref: number;
  readonly isNew: boolean;
  state: DeviceState;
  mac: string | null;
  serial: string | null;
  /**
   * An existing row whose final state, MAC and serial equal what is stored: the writer only
   * moves its last sighting (most rows of a rescan), instead of sending every column back.
   */
  unchanged?: boolean;
}

export interface Sighting {
  readonly ref: number;
  readonly ip: string;
  readonly mac: string | null;
  readonly verdict: string;
  readonly identity: string;
  readonly evidence: string | null;
}

export interface VerdictChange {
  readonly ref: number;
  readonly from: string | null;
  readonly to: string;
}

export interface IngestPlan {
  readonly seenAt: string;
  /** New rows, in report order. */
  readonly inserts: RowWrite[];
  /** Existing rows to rewrite, each once with its final state. */
  readonly updates: Map<number, RowWrite>;
  /** Existing rows that only gain an earlier first sighting (a report that waited in a spool). */
  readonly firstSeen: Map<number, string>;
  readonly sightings: Sighting[];
  readonly changes: VerdictChange[];
  /** Verdict changes of devices already known (not counting first sightings). */
  readonly verdictChanges: number;
}

// A NUL or a lone UTF-16 surrogate (half of an emoji, cut) cannot be stored as PostgreSQL
// text, and SQLite would keep what PostgreSQL refuses; both databases store U+FFFD instead.
// JSON columns need no care: JSON.stringify escapes both, and the escape is plain text.
const UNSTORABLE = /[\u0000\p{Surrogate}]/gu;

/** Device-supplied text as both databases can store it: NUL and lone surrogates become U+FFFD. */
export function storableText<T extends string | null>(text: T): T {
  if (text === null) return text;
  UNSTORABLE.lastIndex = 0;
  return (UNSTORABLE.test(text) ? text.replace(UNSTORABLE, '\ufffd') : text) as T;
}

/** The serial a device is matched by: usable (contract/identity.ts) and storable. */
export function deviceSerial(d: Device): string | null {
  return storableText(usableSerial(d.identity.serial));
}

function stateOf(d: Device, rulesVersion: string): DeviceState {
  const i = d.identity;
  return {
    ip: d.ip,
    hostnames: JSON.stringify(d.hostnames),
    manufacturer: storableText(i.manufacturer),
    brand: storableText(i.brand),
    device_type: storableText(i.deviceType),
    model: storableText(i.model),
    firmware: storableText(i.firmware),
    confidence: i.confidence,
    verdict: d.verdict,
    verdict_rank: VERDICT_RANK[d.verdict],
    rules: storableText(d.findings.map((f) => f.rule).join(' ')),
    findings: JSON.stringify(d.findings),
    evidence: JSON.stringify(d.evidence),
    rules_version: storableText(rulesVersion),
    search: storableText(searchText(d)),
    ...locationColumns(d),
  };
}

function locationColumns(d: Device): Pick<DeviceState, 'location' | 'switch_label' | 'vlan' | 'seen'> {
  const [location, switch_label, vlan, seen] = deviceContext(d);
  return { location, switch_label: storableText(switch_label), vlan, seen };
}

/** Whether a row's final state, MAC and serial are exactly what the database holds. */
function sameAsStored(w: RowWrite, stored: StoredDevice): boolean {
  return (
    w.mac === stored.mac &&
    w.serial === stored.serial &&
    DEVICE_COLUMNS.every((c) => w.state[c] === stored[c])
  );
}

/** A report's device as it will be written, worked out before its stored candidates are known. */
export interface PreparedDevice {
  readonly device: Device;
  readonly serial: string | null;
  readonly state: DeviceState;
  readonly identity: string;
}

/**
 * The rows each device of the report would write, which do not depend on what is stored: the
 * ingest computes them while the database looks up the candidates (store/ingest.ts).
 */
export function prepareDevices(report: Report): PreparedDevice[] {
  return report.devices.map((device) => ({
    device,
    serial: deviceSerial(device),
    state: stateOf(device, report.scan.rulesVersion),
    identity: JSON.stringify(device.identity),
  }));
}

export function planIngest(
  report: Report,
  stored: readonly StoredDevice[],
  prepared: readonly PreparedDevice[] = prepareDevices(report),
): IngestPlan {
  const seenAt = report.scan.finishedAt;
  // The index moves MAC, serial and IP of rows as the report goes; keep what was loaded.
  const loaded = new Map(stored.map((row) => [row.id, { ...row }]));
  const index = new CandidateIndex(stored);
  const writes = new Map<Candidate, RowWrite>();
  const plan: IngestPlan = {
    seenAt,
    inserts: [],
    updates: new Map(),
    firstSeen: new Map(),
    sightings: [],
    changes: [],
    verdictChanges: 0,
  };
  let nextRef = -1;
  let verdictChanges = 0;
  for (const { device: d, serial, state, identity } of prepared) {
    const mac = d.mac;
    const match = pickDevice(index.candidates(d.ip, mac, serial), d.ip, mac, serial);
    let ref: number;
    let previousVerdict: string | null = null;
    let evidenceChanged = true;
    if (!match) {
      ref = nextRef--;
      const row: Candidate = {
        id: ref,
        mac,
        serial,
        ip: d.ip,
        verdict: d.verdict,
        evidence: state.evidence,
        last_seen: seenAt,
        first_seen: seenAt,
      };
      index.add(row);
      const write: RowWrite = { ref, isNew: true, state, mac, serial };
      writes.set(row, write);
      plan.inserts.push(write);
    } else {
      ref = match.id;
      evidenceChanged = match.evidence !== state.evidence;
      if (seenAt >= match.last_seen) {
        previousVerdict = match.verdict;
        index.set(match, 'ip', d.ip);
        index.set(match, 'mac', mac ?? match.mac);
        index.set(match, 'serial', serial ?? match.serial);
        match.verdict = d.verdict;
        match.evidence = state.evidence;
        match.last_seen = seenAt;
        let write = writes.get(match);
        if (!write) {
          write = { ref, isNew: false, state, mac: match.mac, serial: match.serial };
          writes.set(match, write);
          plan.updates.set(ref, write);
        }
        write.state = state;
        write.mac = match.mac;
        write.serial = match.serial;
      } else if (seenAt < match.first_seen) {
        match.first_seen = seenAt;
        plan.firstSeen.set(ref, seenAt);
      }
    }
    plan.sightings.push({
      ref,
      ip: d.ip,
      mac,
      verdict: d.verdict,
      identity,
      evidence: evidenceChanged ? state.evidence : null,
    });
    if (!match || (previousVerdict !== null && previousVerdict !== d.verdict)) {
      plan.changes.push({ ref, from: previousVerdict, to: d.verdict });
      if (match) verdictChanges++;
    }
  }
  for (const [id, w] of plan.updates) w.unchanged = sameAsStored(w, loaded.get(id)!);
  return { ...plan, verdictChanges };
}
