/**
 * Exemption expiry dates. An exemption names who approved it, why, and until when; "until
 * when" must be a real calendar day (not 2024-02-31, which Date.parse quietly rolls into
 * March) and no further ahead than policy allows, so `9999-12-31` cannot turn an exemption
 * into a permanent waiver.
 */

/** Policy: an exemption is reviewed at least every three years. */
export const EXEMPTION_MAX_YEARS = 3;

export type ExpiryCheck =
  | { readonly ok: true; readonly expiresAt: string }
  | { readonly ok: false; readonly reason: string };

export function checkExpiry(text: string, now = new Date()): ExpiryCheck {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return { ok: false, reason: 'Give the expiry as a date, YYYY-MM-DD.' };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return { ok: false, reason: `${text} is not a calendar date.` };
  const limit = new Date(
    Date.UTC(now.getUTCFullYear() + EXEMPTION_MAX_YEARS, now.getUTCMonth(), now.getUTCDate()),
  );
  if (date > limit) {
    return {
      ok: false,
      reason: `An exemption may run at most ${EXEMPTION_MAX_YEARS} years (until ${limit.toISOString().slice(0, 10)}); renew it then.`,
    };
  }
  return { ok: true, expiresAt: `${text}T23:59:59.999Z` };
}
