/**
 * When the next scan runs. Two forms, never mixed: an interval measured start to start
 * (`6h`), or local times of day (`["02:00", "14:00"]`, the box's time zone, as systemd
 * timers use). Pure: `now` is passed in, so tests need no fake clocks.
 */
import { parseDuration } from '../../core/duration.js';

/** Shorter intervals would keep a LAN under constant scanning; politeness is a feature. */
export const MIN_INTERVAL_MS = 60_000;

export type Schedule =
  | { readonly kind: 'interval'; readonly everyMs: number }
  | { readonly kind: 'daily'; readonly minutes: readonly number[] };

export function parseSchedule(entries: readonly string[]): Schedule | { error: string } {
  if (entries.length === 0) return { error: 'must name an interval like 6h or times of day like ["02:00"]' };
  const minutes: number[] = [];
  const intervals: number[] = [];
  for (const raw of entries) {
    const text = raw.trim();
    const time = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
    if (time) {
      minutes.push(Number(time[1]) * 60 + Number(time[2]));
      continue;
    }
    const ms = parseDuration(text);
    if (ms === null)
      return { error: `"${text.slice(0, 40)}" is neither an interval like 6h nor a time of day like 02:00` };
    if (ms < MIN_INTERVAL_MS) return { error: `interval ${text} is shorter than the 1m minimum` };
    intervals.push(ms);
  }
  if (intervals.length > 0 && minutes.length > 0)
    return { error: 'use either one interval or times of day, not both' };
  if (intervals.length > 1) return { error: 'give one interval only' };
  if (intervals.length === 1) return { kind: 'interval', everyMs: intervals[0]! };
  return { kind: 'daily', minutes: [...new Set(minutes)].sort((a, b) => a - b) };
}

/**
 * The slot that follows `after` (the last scan's start, or the agent's start before the first
 * scan). A result in the past means a slot was missed (a long scan, a suspended box): the
 * caller scans at once, once, like a systemd timer with Persistent=true.
 */
export function nextRun(schedule: Schedule, after: number): number {
  if (schedule.kind === 'interval') return after + schedule.everyMs;
  const base = new Date(after);
  for (let day = 0; day <= 1; day++) {
    for (const m of schedule.minutes) {
      // Local calendar arithmetic: across a DST change the wall-clock time is what counts.
      const at = new Date(
        base.getFullYear(),
        base.getMonth(),
        base.getDate() + day,
        Math.floor(m / 60),
        m % 60,
      ).getTime();
      if (at > after) return at;
    }
  }
  // Unreachable with at least one time of day; kept so the return type stays a number.
  return after + 86_400_000;
}
