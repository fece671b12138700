/**
 * The durable spool: one file per report the collector has not yet acknowledged. A report is
 * written to a temporary name, fsynced, renamed into place and the directory fsynced before
 * anything is sent, so a crash, `kill -9` or power cut at any later point leaves either the
 * whole report or nothing (rename(2) is atomic within a file system). Files are removed only
 * after the collector answers 2xx. Reports the collector refuses for good are moved to
 * `rejected/` with the reason beside them, never deleted.
 *
 * On a full disk a write is complete or absent: every byte is written (short writes are
 * continued), fsynced and only then renamed; a failed write removes its temporary file, so no
 * torn or empty file is left and the caller is told the report was not spooled. `rejected/`
 * holds a small reserve file that is given up when moving a refused report aside meets ENOSPC.
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
const RESERVE = '.reserve';
/** Room kept for the metadata of moving refused reports aside and their reason files. */
const RESERVE_BYTES = 256 * 1024;
let sequence = 0;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes every byte: writeSync may write fewer than asked (a full disk, a signal). */
function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    const n = writeSync(fd, data, offset, data.length - offset);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += n;
  }
}

/** Complete or absent: temp file, every byte, fsync, rename, directory fsync; no leftovers on failure. */
function writeDurably(dir: string, name: string, body: string): void {
  const temp = join(dir, `${TEMP_PREFIX}${process.pid}-${name}`);
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'w', 0o600);
    writeAll(fd, Buffer.from(body, 'utf8'));
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, join(dir, name));
  } catch (err) {
    if (fd !== null) closeQuietly(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already failing; the original error is the one to report
  }
}

function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
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
    for (const folder of [dir, this.rejectedDir]) {
      for (const name of readdirSync(folder)) {
        // A temp file is a write that never reached rename: the report it held was never
        // acknowledged as spooled, so the caller still had it (or the process died first).
        if (name.startsWith(TEMP_PREFIX)) rmSync(join(folder, name), { force: true });
      }
    }
    this.keepReserve();
  }

  /** Best effort: a full disk at start must not stop the agent, only shrink the safety margin. */
  private keepReserve(): void {
    const path = join(this.rejectedDir, RESERVE);
    try {
      if (statSync(path).size === RESERVE_BYTES) return;
    } catch {
      // missing: create it below
    }
    try {
      writeDurably(this.rejectedDir, RESERVE, '\n'.repeat(RESERVE_BYTES));
    } catch {
      rmSync(path, { force: true });
    }
  }

  /** Runs a step that needs a little space; on ENOSPC gives up the reserve and tries once more. */
  private withReserve<T>(step: () => T): T {
    try {
      return step();
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      rmSync(join(this.rejectedDir, RESERVE), { force: true });
      return step();
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

  /**
   * Moves a report the collector refused for good aside, with the reason, for a person to read.
   * The report moves first (a rename needs no room for its bytes); the reason follows. Throws
   * only when even the report could not be moved with the reserve given up: it then stays in
   * the spool, where it is still on disk.
   */
  quarantine(entry: SpoolEntry, reason: string): string {
    const target = join(this.rejectedDir, entry.name);
    this.withReserve(() => {
      try {
        renameSync(join(this.dir, entry.name), target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      fsyncDir(this.rejectedDir);
      fsyncDir(this.dir);
    });
    this.writeReason(entry.name, reason);
    this.keepReserve();
    return target;
  }

  /**
   * Keeps a report that never entered the spool (refused by the local schema check) in
   * `rejected/`. Throws, with the cause, when the disk cannot hold it even without the reserve.
   */
  keepRejected(reportId: string, body: string, reason: string): string {
    const name = `${String(Date.now()).padStart(15, '0')}-local-${reportId.replace(/[^0-9a-zA-Z-]/g, '_').slice(0, 64)}.json`;
    this.withReserve(() => writeDurably(this.rejectedDir, name, body));
    this.writeReason(name, reason);
    this.keepReserve();
    return join(this.rejectedDir, name);
  }

  private writeReason(name: string, reason: string): void {
    try {
      this.withReserve(() =>
        writeDurably(this.rejectedDir, `${name}.reason.txt`, `${new Date().toISOString()} ${reason}\n`),
      );
    } catch {
      // The report itself is kept; the reason is also in the agent's log.
    }
  }
}
