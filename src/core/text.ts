/**
 * Device-supplied strings are attacker-controlled (design.md practice 7). These helpers are
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

/** Escapes a string for HTML text or a quoted attribute. */
export function forHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Escapes one CSV field (RFC 4180) and neutralises spreadsheet formula injection: a cell that
 * starts with = + - @ or a tab is prefixed with an apostrophe, as OWASP recommends.
 */
export function forCsv(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  if (/[",\r\n]/.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}
