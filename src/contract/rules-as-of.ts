/**
 * How current the rule data behind a report is. New reports carry `scan.rulesAsOf`; older ones
 * only `scan.rulesVersion`, whose first ten characters are the same date (the newest `reviewed`
 * date of the rules), so both read the same way. Rules older than 180 days at the time that
 * matters (the scan, or today for a dashboard) get a warning wherever they are shown.
 */
export const RULES_STALE_DAYS = 180;
const DAY_MS = 86_400_000;

export interface RulesFreshness {
  /** YYYY-MM-DD, or null when the report says nothing usable. */
  readonly asOf: string | null;
  readonly ageDays: number | null;
  readonly stale: boolean;
  /** One line for people: "rules as of 2026-12-07" plus the warning when stale. */
  readonly text: string;
}

export function rulesAsOf(scan: {
  readonly rulesAsOf?: string;
  readonly rulesVersion: string;
}): string | null {
  const candidate = scan.rulesAsOf ?? scan.rulesVersion.slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(candidate) && !Number.isNaN(Date.parse(`${candidate}T00:00:00Z`))
    ? candidate
    : null;
}

export function rulesFreshness(
  scan: { readonly rulesAsOf?: string; readonly rulesVersion: string },
  at: Date,
): RulesFreshness {
  const asOf = rulesAsOf(scan);
  if (asOf === null)
    return { asOf, ageDays: null, stale: true, text: 'rules as of: unknown (the report does not say)' };
  const ageDays = Math.floor((at.getTime() - Date.parse(`${asOf}T00:00:00Z`)) / DAY_MS);
  const stale = ageDays > RULES_STALE_DAYS;
  const text = stale
    ? `rules as of ${asOf} — WARNING: ${ageDays} days old (over ${RULES_STALE_DAYS}); update camsweep's signatures before relying on this`
    : `rules as of ${asOf}`;
  return { asOf, ageDays, stale, text };
}
