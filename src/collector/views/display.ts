/**
 * How the dashboard prints what the store holds: times in the collector's configured time
 * zone (the ISO form stays on hover), vocabulary display names for maker and brand ids. The
 * templates escape everything these return.
 */
import { SIGNATURES_DIR } from '../../core/version.js';
import { loadVocabulary } from '../../knowledge/signatures/vocabulary.js';

export interface Display {
  readonly timeZone: string;
  /** "2026-12-07 15:31 CET" in the configured zone; the input when it is not a time. */
  time(iso: string | null | undefined): string;
  /** Display name of a manufacturer id ("Hangzhou Hikvision Digital Technology Co., Ltd."). */
  maker(id: string | null | undefined): string;
  brand(id: string | null | undefined): string;
}

/** Throws a RangeError naming the zone when it is not an IANA time zone this Node knows. */
export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
  } catch {
    throw new RangeError(
      `unknown time zone "${zone.slice(0, 64)}" (use an IANA name such as Europe/Berlin or UTC)`,
    );
  }
  return zone;
}

let names: { makers: Map<string, string>; brands: Map<string, string> } | null = null;

function vocabularyNames() {
  if (names) return names;
  try {
    const v = loadVocabulary(SIGNATURES_DIR, []);
    names = {
      makers: new Map([...v.manufacturers].map(([id, m]) => [id, m.name])),
      brands: new Map([...v.brands].map(([id, b]) => [id, b.name])),
    };
  } catch {
    // Without the vocabulary the ids still say who it is; never fail a page over a label.
    names = { makers: new Map(), brands: new Map() };
  }
  return names;
}

export function createDisplay(timeZone = 'UTC'): Display {
  // en-CA gives ISO-ordered dates and the zone's short name ("CDT", not "GMT-5").
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: checkTimeZone(timeZone),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const text = (d: Date) => {
    const part = (type: Intl.DateTimeFormatPartTypes) =>
      format.formatToParts(d).find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
  };
  return {
    timeZone,
    time(iso) {
      if (!iso) return '';
      const t = Date.parse(iso);
      return Number.isNaN(t) ? iso : text(new Date(t));
    },
    maker: (id) => (id ? (vocabularyNames().makers.get(id) ?? id) : ''),
    brand: (id) => (id ? (vocabularyNames().brands.get(id) ?? id) : ''),
  };
}
