import { describe, expect, it } from 'vitest';
import { nextRun, parseSchedule } from '../../../src/agent/daemon/schedule.js';

describe('parseSchedule', () => {
  it('reads an interval', () => {
    expect(parseSchedule(['6h'])).toEqual({ kind: 'interval', everyMs: 6 * 3_600_000 });
  });

  it('reads times of day, sorted and deduplicated', () => {
    expect(parseSchedule(['14:00', '02:00', '2:00'])).toEqual({ kind: 'daily', minutes: [120, 840] });
  });

  it.each([
    [[], /must name/],
    [['6x'], /neither an interval/],
    [['24:00'], /neither an interval/],
    [['02:60'], /neither an interval/],
    [['10s'], /shorter than the 1m minimum/],
    [['6h', '02:00'], /not both/],
    [['6h', '12h'], /one interval only/],
  ])('refuses %j', (entries, message) => {
    const r = parseSchedule(entries as string[]);
    expect('error' in r && r.error).toMatch(message);
  });
});

describe('nextRun', () => {
  const hour = 3_600_000;

  it('counts an interval start to start', () => {
    expect(nextRun({ kind: 'interval', everyMs: 6 * hour }, 0)).toBe(6 * hour);
  });

  it('picks the next time of day after the last start, rolling over midnight', () => {
    const s = { kind: 'daily', minutes: [120, 840] } as const; // 02:00, 14:00 local
    const morning = new Date(2025, 5, 10, 9, 30).getTime();
    expect(new Date(nextRun(s, morning))).toEqual(new Date(2025, 5, 10, 14, 0));
    const evening = new Date(2025, 5, 10, 23, 0).getTime();
    expect(new Date(nextRun(s, evening))).toEqual(new Date(2025, 5, 11, 2, 0));
    // A scan that started exactly at a slot has taken it: the next one follows.
    const atSlot = new Date(2025, 5, 10, 14, 0).getTime();
    expect(new Date(nextRun(s, atSlot))).toEqual(new Date(2025, 5, 11, 2, 0));
  });

  it('rolls into the next month and year', () => {
    const s = { kind: 'daily', minutes: [60] } as const;
    const nye = new Date(2025, 11, 31, 23, 59).getTime();
    expect(new Date(nextRun(s, nye))).toEqual(new Date(2026, 0, 1, 1, 0));
  });
});
