/**
 * The stored rows a report's devices could be (the identity rules themselves live in
 * src/contract/identity.ts). `CandidateIndex` holds them in memory for a whole report, so
 * ingest reads the candidates in one query instead of one per device, and sees the rows the
 * same report has just added or moved.
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
