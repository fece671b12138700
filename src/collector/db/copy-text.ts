/**
 * Rows as PostgreSQL's COPY text format reads them (PostgreSQL documentation, "COPY", section
 * "Text Format"): one line per row, columns separated by a tab, `\N` for NULL, and a backslash,
 * tab, newline or carriage return inside a value written as a backslash escape. Any other
 * character goes through as it is, so device-supplied text arrives byte for byte as a bound
 * parameter would carry it.
 */

export type CopyValue = string | number | null;

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyValue(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot COPY the number ${value}`);
    return String(value);
  }
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

/** Rows per chunk of COPY data: bounds each string built for a report of 50,000 devices. */
export const COPY_CHUNK_ROWS = 1000;

/** The rows as COPY data in chunks of whole lines, ready for `Sql.copyText`. */
export function copyChunks(rows: readonly (readonly CopyValue[])[], size = COPY_CHUNK_ROWS): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(copyLines(rows.slice(i, i + size)));
  return chunks;
}

/** One COPY line per row, each ending in a newline. */
export function copyLines(rows: readonly (readonly CopyValue[])[]): string {
  let out = '';
  for (const row of rows) out += `${row.map(copyValue).join('\t')}\n`;
  return out;
}
