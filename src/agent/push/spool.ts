/**
 * The durable spool: one file per report the collector has not yet acknowledged. A report is
 * written to a temporary name, fsynced, renamed into place and the directory fsynced before
 * anything is sent, so a crash, `kill -9` or power cut at any later point leaves either the
 * whole report or nothing (rename(2) is atomic within a file system). Files are removed only
 * after the collector answers 2xx. Reports the collector refuses for good are moved to
 * `rejected/` with the reason beside them, never deleted.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export interface SpoolEntry {
  /** File name inside the spool directory; sorts oldest first. */
  readonly name: string;
  readonly reportId: string;
  readonly bytes: number;
}

export interface SpoolLimits {
  readonly maxReports: number;
  readonly maxBytes: number;
}

export type PutResult =
  | { readonly ok: true; readonly entry: SpoolEntry; readonly existed: boolean }
  | { readonly ok: false; readonly reason: string };

const ENTRY = /^(\d{15})-(\d{6})-([0-9a-f-]{36})\.json$/;
const TEMP_PREFIX = '.tmp-';
let sequence = 0;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeDurably(dir: string, name: string, body: string): void {
  const temp = join(dir, `${TEMP_PREFIX}${process.pid}-${name}`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, join(dir, name));
  fsyncDir(dir);
}

export class Spool {
  readonly dir: string;
  readonly rejectedDir: string;
  private readonly limits: SpoolLimits;

  /** Creates the directory (0700: reports list the site's devices) and clears torn writes. */
  constructor(dir: string, limits: SpoolLimits) {
    this.dir = dir;
    this.rejectedDir = join(dir, 'rejected');
    this.limits = limits;
    mkdirSync(this.rejectedDir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      // A temp file is a write that never reached rename: the report it held was never
      // acknowledged as spooled, so the caller still had it (or the process died first).
      if (name.startsWith(TEMP_PREFIX)) rmSync(join(dir, name), { force: true });
    }
  }

  /** Spooled reports, oldest first. Re-read each time: a daemon and a one-shot scan may share it. */
  list(): SpoolEntry[] {
    const entries: SpoolEntry[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      const m = ENTRY.exec(name);
      if (!m) continue;
      try {
        entries.push({ name, reportId: m[3]!, bytes: statSync(join(this.dir, name)).size });
      } catch {
        // removed by another process between readdir and stat: delivered, not ours to count
      }
    }
    return entries;
  }

  depth(): { reports: number; bytes: number } {
    const entries = this.list();
    return { reports: entries.length, bytes: entries.reduce((n, e) => n + e.bytes, 0) };
  }

  /** Writes a report durably; refuses (never evicts older reports) when the bound is reached. */
  put(reportId: string, body: string): PutResult {
    if (!/^[0-9a-f-]{36}$/.test(reportId))
      return { ok: false, reason: `report id "${reportId}" is not a UUID` };
    const entries = this.list();
    const existing = entries.find((e) => e.reportId === reportId);
    if (existing) return { ok: true, entry: existing, existed: true };
    const bytes = Buffer.byteLength(body);
    const used = entries.reduce((n, e) => n + e.bytes, 0);
    if (entries.length + 1 > this.limits.maxReports) {
      return { ok: false, reason: `spool holds ${entries.length} reports, the limit (push.spoolMaxReports)` };
    }
    if (used + bytes > this.limits.maxBytes) {
      return {
        ok: false,
        reason: `spool holds ${used} bytes; ${bytes} more would pass the limit of ${this.limits.maxBytes} (push.spoolMaxBytes)`,
      };
    }
    sequence = (sequence + 1) % 1_000_000;
    const name = `${String(Date.now()).padStart(15, '0')}-${String(sequence).padStart(6, '0')}-${reportId}.json`;
    writeDurably(this.dir, name, body);
    return { ok: true, entry: { name, reportId, bytes }, existed: false };
  }

  read(entry: SpoolEntry): string | null {
    try {
      return readFileSync(join(this.dir, entry.name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // another process delivered it
      throw err;
    }
  }

  /** Called only after the collector acknowledged the report. */
  remove(entry: SpoolEntry): void {
    rmSync(join(this.dir, entry.name), { force: true });
    fsyncDir(this.dir);
  }

  /** Moves a report the collector refused for good aside, with the reason, for a person to read. */
  quarantine(entry: SpoolEntry, reason: string): string {
    const target = join(this.rejectedDir, entry.name);
    writeFileSync(`${target}.reason.txt`, `${new Date().toISOString()} ${reason}\n`, { mode: 0o600 });
    try {
      renameSync(join(this.dir, entry.name), target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    fsyncDir(this.rejectedDir);
    fsyncDir(this.dir);
    return target;
  }
}
