/**
 * Device-supplied strings are attacker-controlled (docs/architecture.md §6 practice 7). These helpers are
 * the only sanctioned ways to put one in front of a person or into storage.
 */

/** Longest value an observation may carry; bodies have their own, larger cap in the http probe. */
export const MAX_VALUE_CHARS = 4096;
export const MAX_BODY_CHARS = 65536;

/** Cuts a string to `max` characters, marking the cut so nobody mistakes it for the whole. */
export function cap(value: string, max = MAX_VALUE_CHARS): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max - 1)}…`;
}

// C0 and C1 controls, DEL, and the Unicode bidi/formatting characters that can reorder or hide
// text in a terminal (the "Trojan Source" family).
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Makes a device string safe to print on a terminal: controls become visible `\xNN` escapes. */
export function forTerminal(value: string): string {
  return value.replace(UNSAFE_FOR_TERMINAL, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// The same family minus tab, line feed and carriage return, which a page or a quoted CSV cell
// shows as layout rather than hiding text.
const UNSAFE_FOR_DISPLAY =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Makes controls, NUL and bidi overrides visible (`\u202e`) instead of letting them reorder or
 * cut what a reader sees on a page or in a spreadsheet.
 */
export function neutralise(value: string): string {
  return value.replace(
    UNSAFE_FOR_DISPLAY,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** Escapes a string for HTML text or a quoted attribute, with controls and bidi made visible. */
export function forHtml(value: string): string {
  return neutralise(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A spreadsheet reads a formula after leading blanks too, and accepts the fullwidth forms of the
// operators (＝ ＋ － ＠); | and ; start DDE payloads in some of them.
const FORMULA_START = /^[\s\u3000]*[=+\-@|;\uff1d\uff0b\uff0d\uff20\uff5c\uff1b]/;

/**
 * Escapes one CSV field (RFC 4180) and neutralises spreadsheet formula injection: a cell that
 * starts, after any blanks, with = + - @ | ; (or a fullwidth form), or with a tab or line break,
 * is prefixed with an apostrophe, as OWASP recommends. Controls and bidi overrides are made visible.
 */
export function forCsv(value: string): string {
  let v = neutralise(value);
  if (FORMULA_START.test(v) || /^[\t\r\n]/.test(v)) v = `'${v}`;
  if (/[",\r\n]/.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}
