/**
 * A tiny declarative config schema. Each module (a probe, the push client, the daemon)
 * declares the keys of its section with type, default and a one-line doc; src/agent/config/config.ts
 * composes the sections, validates a YAML file once with `path:line key: message` errors,
 * and freezes the result. Declaring keys next to the code that reads them keeps the example
 * config, the validation and the code from drifting apart.
 */
import { parseDuration } from './duration.js';
import { parseTarget } from './scope.js';

interface Base<T> {
  readonly doc: string;
  readonly default: T;
}
export type FieldSpec =
  | (Base<string> & { readonly type: 'duration'; readonly minMs?: number; readonly maxMs?: number })
  | (Base<number> & { readonly type: 'integer'; readonly min?: number; readonly max?: number })
  | (Base<boolean> & { readonly type: 'boolean' })
  | (Base<string | null> & { readonly type: 'string'; readonly pattern?: RegExp; readonly hint?: string })
  | (Base<string> & { readonly type: 'enum'; readonly values: readonly string[] })
  | (Base<readonly string[]> & { readonly type: 'strings'; readonly allowed?: readonly string[] })
  | (Base<readonly number[]> & { readonly type: 'ports' })
  | (Base<readonly string[]> & { readonly type: 'targets' });

export type ConfigSpec = Readonly<Record<string, FieldSpec>>;

/**
 * Declares a section spec keeping its literal types (enum values, allowed lists), so
 * `SectionOf<typeof spec>` is the exact shape the validated section has.
 */
export function defineSpec<const S extends ConfigSpec>(spec: S): S {
  return spec;
}

/** The validated form of one field (durations in milliseconds). */
export type ValueOf<F extends FieldSpec> = F extends { readonly type: 'duration' | 'integer' }
  ? number
  : F extends { readonly type: 'boolean' }
    ? boolean
    : F extends { readonly type: 'string'; readonly default: string }
      ? string
      : F extends { readonly type: 'string' }
        ? string | null
        : F extends { readonly type: 'enum'; readonly values: readonly (infer V)[] }
          ? V
          : F extends { readonly type: 'strings'; readonly allowed: readonly (infer A)[] }
            ? readonly A[]
            : F extends { readonly type: 'ports' }
              ? readonly number[]
              : readonly string[];

/** The validated, frozen section a spec describes: the TypeScript type inferred from the spec. */
export type SectionOf<S extends ConfigSpec> = { readonly [K in keyof S]: ValueOf<S[K]> };

/** True when `value` has the validated form of `spec` (what coerceField returns). */
function holds(spec: FieldSpec, value: unknown): boolean {
  switch (spec.type) {
    case 'duration':
    case 'integer':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return (value === null && spec.default === null) || typeof value === 'string';
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value);
    case 'strings':
      return (
        Array.isArray(value) &&
        value.every((v) => typeof v === 'string' && (spec.allowed === undefined || spec.allowed.includes(v)))
      );
    case 'ports':
      return Array.isArray(value) && value.every((v) => typeof v === 'number');
    case 'targets':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

function conforms<S extends ConfigSpec>(
  spec: S,
  values: Readonly<Record<string, unknown>>,
): values is SectionOf<S> {
  return Object.entries(spec).every(([key, field]) => holds(field, values[key]));
}

/**
 * A validated section, typed by its spec. The config loader already validated it; this
 * re-checks the shape (cheap, a few keys) so the type is earned rather than asserted, and a
 * section mounted under the wrong spec fails loudly here instead of misbehaving later.
 */
export function sectionOf<S extends ConfigSpec>(
  spec: S,
  values: Readonly<Record<string, unknown>>,
): SectionOf<S> {
  if (conforms(spec, values)) return values;
  const bad = Object.entries(spec)
    .filter(([key, field]) => !holds(field, values[key]))
    .map(([key]) => key);
  throw new Error(
    `config section does not match its spec at ${bad.join(', ')} (a bug: the wrong spec was mounted)`,
  );
}

/** Converts a raw YAML/flag value; returns the value or an error message (no path, no line). */
export function coerceField(spec: FieldSpec, raw: unknown): { value: unknown } | { error: string } {
  switch (spec.type) {
    case 'duration': {
      const ms = typeof raw === 'string' ? parseDuration(raw) : null;
      if (ms === null) return { error: 'must be a duration like 2s' };
      if (spec.minMs !== undefined && ms < spec.minMs) return { error: `must be at least ${spec.minMs}ms` };
      if (spec.maxMs !== undefined && ms > spec.maxMs) return { error: `must be at most ${spec.maxMs}ms` };
      return { value: ms };
    }
    case 'integer': {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) return { error: 'must be a whole number' };
      if (spec.min !== undefined && n < spec.min) return { error: `must be at least ${spec.min}` };
      if (spec.max !== undefined && n > spec.max) return { error: `must be at most ${spec.max}` };
      return { value: n };
    }
    case 'boolean':
      if (raw === 'true' || raw === true) return { value: true };
      if (raw === 'false' || raw === false) return { value: false };
      return { error: 'must be true or false' };
    case 'string':
      // null is a value only where it is the default (an unset optional path or URL).
      if (raw === null) return spec.default === null ? { value: null } : { error: 'must be text' };
      if (typeof raw !== 'string' && typeof raw !== 'number') return { error: 'must be text' };
      if (spec.pattern && !spec.pattern.test(String(raw)))
        return { error: `must be ${spec.hint ?? spec.pattern}` };
      return { value: String(raw) };
    case 'enum':
      if (typeof raw !== 'string' || !spec.values.includes(raw))
        return { error: `must be one of ${spec.values.join(', ')}` };
      return { value: raw };
    case 'strings': {
      const list = commaList(raw);
      if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
        return { error: 'must be a list of text values' };
      const bad = spec.allowed ? list.find((s) => !spec.allowed!.includes(s)) : undefined;
      if (bad !== undefined) return { error: `"${bad}" is not one of ${spec.allowed!.join(', ')}` };
      return { value: list };
    }
    case 'ports': {
      const list = typeof raw === 'string' ? (commaList(raw) as string[]).map(Number) : raw;
      if (!Array.isArray(list) || list.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
        return { error: 'must be a list of port numbers 1-65535' };
      // Printer raw-print ports must never be swept: a stray byte prints a page (docs/architecture.md §7).
      if (list.some((p) => p >= 9100 && p <= 9107))
        return { error: 'must not include 9100-9107 (printer ports)' };
      return { value: list };
    }
    case 'targets': {
      const list = commaList(raw);
      if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
        return { error: 'must be a list of targets' };
      for (const t of list as string[]) {
        try {
          parseTarget(t);
        } catch (e) {
          return { error: (e as Error).message };
        }
      }
      return { value: list };
    }
  }
}

/** A flag value `a, b,c` becomes a list; a YAML list passes through for checking. */
function commaList(raw: unknown): unknown {
  return typeof raw === 'string'
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : raw;
}

/** The default value of a field in its validated form (durations as milliseconds). */
export function defaultOf(spec: FieldSpec): unknown {
  const r = coerceField(spec, spec.default);
  if ('error' in r) throw new Error(`bad default in config spec: ${r.error}`);
  return r.value;
}
