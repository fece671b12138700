/**
 * Puts user-supplied text into an LDAP search filter safely. RFC 4515 §3 says a value in a
 * filter escapes `*`, `(`, `)`, `\` and NUL as a backslash and two hex digits; without that a
 * user name like `*)(uid=*` would widen the search (LDAP injection).
 */

const SPECIAL = /[\\*()\0]/g;

export function escapeFilterValue(value: string): string {
  return value.replace(SPECIAL, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Fills `{name}` placeholders of a configured filter template with escaped values. */
export function fillFilter(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? escapeFilterValue(values[name]!) : whole,
  );
}
