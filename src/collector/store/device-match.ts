/**
 * Which stored device a reported one is (design: one row per physical device per site): MAC
 * first, then serial, then IP, never against a contradicting MAC or serial. `CandidateIndex`
 * answers that in memory for a whole report at once, so ingest reads the candidates in one
 * query instead of one per device, and sees the rows the same report has just added or moved.
 */

export interface Candidate {
  id: number;
  mac: string | null;
  serial: string | null;
  ip: string;
  verdict: string;
  evidence: string;
  last_seen: string;
  first_seen: string;
}

export const CANDIDATE_COLUMNS = 'id, mac, serial, ip, verdict, evidence, last_seen, first_seen';

/** Serials some firmware reports for every unit; useless as identity. */
export function usableSerial(serial: string | null): string | null {
  const s = serial?.trim();
  if (!s || s.length < 4 || /^(0+|1234.*|unknown|n\/?a|none|default)$/i.test(s)) return null;
  return s;
}

function compatible(row: Candidate, mac: string | null, serial: string | null): boolean {
  return (!mac || !row.mac || row.mac === mac) && (!serial || !row.serial || row.serial === serial);
}

/** MAC first, then serial, then IP (design: one row per physical device per site). */
export function pickDevice(
  rows: readonly Candidate[],
  ip: string,
  mac: string | null,
  serial: string | null,
) {
  return (
    (mac ? rows.find((r) => r.mac === mac) : undefined) ??
    (serial ? rows.find((r) => r.serial === serial && compatible(r, mac, serial)) : undefined) ??
    rows
      .filter((r) => r.ip === ip && compatible(r, mac, serial))
      .sort((a, b) => (a.last_seen < b.last_seen ? 1 : -1))[0]
  );
}

type Field = 'mac' | 'serial' | 'ip';

/** A site's candidate rows by MAC, serial and IP, kept current as a report changes them. */
export class CandidateIndex {
  private readonly by: Record<Field, Map<string, Candidate[]>> = {
    mac: new Map(),
    serial: new Map(),
    ip: new Map(),
  };

  constructor(rows: readonly Candidate[]) {
    for (const row of [...rows].sort((a, b) => a.id - b.id)) this.add(row);
  }

  add(row: Candidate): void {
    for (const field of ['mac', 'serial', 'ip'] as const) this.link(field, row);
  }

  /** Rows sharing the device's MAC, serial or IP, in the order pickDevice expects. */
  candidates(ip: string, mac: string | null, serial: string | null): Candidate[] {
    const out = new Set<Candidate>();
    for (const r of mac ? (this.by.mac.get(mac) ?? []) : []) out.add(r);
    for (const r of serial ? (this.by.serial.get(serial) ?? []) : []) out.add(r);
    for (const r of this.by.ip.get(ip) ?? []) out.add(r);
    return [...out];
  }

  /** Changes a row's MAC, serial or IP and moves it in the index. */
  set(row: Candidate, field: Field, value: string | null): void {
    if (row[field] === value) return;
    const old = row[field];
    if (old !== null) {
      const list = this.by[field].get(old);
      if (list)
        this.by[field].set(
          old,
          list.filter((r) => r !== row),
        );
    }
    if (field === 'ip') row.ip = value ?? row.ip;
    else row[field] = value;
    this.link(field, row);
  }

  private link(field: Field, row: Candidate): void {
    const key = row[field];
    if (key === null) return;
    const list = this.by[field].get(key);
    if (list) list.push(row);
    else this.by[field].set(key, [row]);
  }
}
