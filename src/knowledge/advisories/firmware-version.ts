/**
 * Reads the two things an advisory range needs from a firmware string a device reported: its
 * dotted version ("V5.4.0 build 160530" → 5.4.0; "V2.800.0000000.25.R" → 2.800.0.25) and its
 * build date (shared with the classifier). Vendors' version fields are numbers compared one by
 * one, so 5.4.41 is after 5.4.5 — the way Hikvision numbers its releases.
 */
import { firmwareBuildDate } from '../classify/dates.js';

/** Firmware strings are device-supplied; only the head is read. */
const HEAD = 256;
const VERSION = /(?<![\d.])[vV]?(\d{1,6}(?:\.\d{1,9}){1,5})/;

export type Version = readonly number[];

export function firmwareVersion(firmware: string | null): Version | null {
  if (!firmware) return null;
  const m = VERSION.exec(firmware.slice(0, HEAD));
  return m?.[1] ? m[1].split('.').map(Number) : null;
}

export function parseVersion(text: string): Version {
  return text.split('.').map(Number);
}

/** Negative when a < b, 0 when equal (missing trailing parts count as 0), positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function firmwareBuild(firmware: string | null, notAfter: Date): string | null {
  return firmwareBuildDate(firmware, notAfter);
}
