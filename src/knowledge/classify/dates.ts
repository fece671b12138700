/**
 * Date handling for rules (YYYY-MM-DD) and vocabulary relations (YYYY-MM, month precision).
 * All comparisons are in UTC so a scan's verdict does not depend on the agent's time zone.
 */

/** First instant of a YYYY-MM or YYYY-MM-DD date. */
export function startOf(date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

/**
 * First instant after a YYYY-MM or YYYY-MM-DD date: `until: 2023-12` in the vocabulary means the
 * relation held through the last day of December 2023.
 */
export function endOf(date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  if (d === undefined) return new Date(Date.UTC(y ?? 1970, m ?? 1, 1));
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d + 1));
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A real calendar day (rejects 2023-02-30), as YYYY-MM-DD, YYYY-MM or either. */
export function isCalendarDate(value: string, precision: 'day' | 'month' | 'either' = 'day'): boolean {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (day && precision !== 'month') {
    const d = startOf(value);
    return isoDay(d) === value;
  }
  if (month && precision !== 'day') return Number(month[2]) >= 1 && Number(month[2]) <= 12;
  return false;
}

// Build stamps seen in firmware strings: Hikvision "V5.7.3 build 220112" (yymmdd), Dahua
// "V2.800.0000000.25.R, Build Date: 2021-06-02", and bare "20210602"-style stamps.
const BUILD_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/build[\s:_-]*(?:date[\s:_-]*)?(\d{4})[-./](\d{2})[-./](\d{2})/i, (m) => `${m[1]}-${m[2]}-${m[3]}`],
  [/build[\s:_-]*(\d{2})(\d{2})(\d{2})(?!\d)/i, (m) => `20${m[1]}-${m[2]}-${m[3]}`],
  [/(?<!\d)(20\d{2})[-./]?(\d{2})[-./]?(\d{2})(?!\d)/, (m) => `${m[1]}-${m[2]}-${m[3]}`],
];

/**
 * The build date a firmware string carries, if any and if plausible (2000 … the scan date).
 * It dates the firmware, not the unit: used only to place a device before or after an
 * ownership change, and the finding's basis says so.
 */
export function firmwareBuildDate(firmware: string | null, notAfter: Date): string | null {
  if (!firmware) return null;
  const text = firmware.slice(0, 256);
  for (const [pattern, toIso] of BUILD_PATTERNS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const iso = toIso(match);
    if (isCalendarDate(iso) && iso >= '2000-01-01' && startOf(iso) <= notAfter) return iso;
  }
  return null;
}
