/** Exemption expiry dates (issue 14 item 9): real calendar days, at most three years ahead. */
import { describe, expect, it } from 'vitest';
import { checkExpiry, EXEMPTION_MAX_YEARS } from '../../../src/collector/dashboard/expiry.js';

const NOW = new Date('2026-12-07T12:00:00Z');

describe('exemption expiry', () => {
  it.each(['2024-02-31', '2025-13-01', '2025-00-10', '2026-04-31', '2027-02-29'])(
    'refuses %s, not a calendar date',
    (d) => {
      expect(checkExpiry(d, NOW)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('not a calendar date'),
      });
    },
  );

  it.each(['9999-12-31', '2029-12-08', '+02025-01-01', '2026-1-1', ''])('refuses %j', (d) => {
    expect(checkExpiry(d, NOW).ok).toBe(false);
  });

  it('accepts a leap day and the last day policy allows, as the end of that day', () => {
    expect(checkExpiry('2028-02-29', NOW)).toEqual({ ok: true, expiresAt: '2028-02-29T23:59:59.999Z' });
    expect(checkExpiry(`${2026 + EXEMPTION_MAX_YEARS}-12-07`, NOW).ok).toBe(true);
  });
});
