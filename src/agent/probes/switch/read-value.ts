/**
 * The value of a `switch.read` observation: how reading one switch went, as compact JSON so
 * the coverage section can count it and a person reading the observations can still follow.
 */
export interface SwitchReadValue {
  readonly outcome: 'read' | 'failed';
  /** MACs located on this switch's ports. */
  readonly macs: number;
  /** Of those, MACs no neighbour table gave an address: reported nowhere else. */
  readonly withoutAddress: number;
  readonly tables: readonly string[];
  readonly detail: string;
}

/** Parses a `switch.read` value defensively (it travels through reports); null when malformed. */
export function parseSwitchRead(text: string): SwitchReadValue | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.outcome !== 'read' && o.outcome !== 'failed') return null;
  const n = (x: unknown) => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : 0);
  return {
    outcome: o.outcome,
    macs: n(o.macs),
    withoutAddress: n(o.withoutAddress),
    tables: Array.isArray(o.tables)
      ? o.tables.filter((t): t is string => typeof t === 'string').slice(0, 32)
      : [],
    detail: typeof o.detail === 'string' ? o.detail.slice(0, 1024) : '',
  };
}
