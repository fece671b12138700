/**
 * Page cursors for the read API. A cursor is opaque to clients (base64url text) but is only
 * the position after the last item of the page, tagged with the list it belongs to, so a
 * cursor from /devices handed to /coverage is refused instead of silently skipping rows.
 * Keyset paging by id means a row added while a client pages is never returned twice and
 * never shifts another out of the page.
 */
import { CollectorError } from '../errors.js';

export type CursorKind = 'devices' | 'findings' | 'scans' | 'audit';

export interface Position {
  /** The id of the last row returned (0 before the first page). */
  readonly id: number;
  /** Within that row, how many items were already returned (findings: several per device). */
  readonly offset: number;
}

export const START: Position = { id: 0, offset: 0 };

export function encodeCursor(kind: CursorKind, at: Position): string {
  return Buffer.from(`${kind}:${at.id}:${at.offset}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: CursorKind, text: string | undefined): Position {
  if (text === undefined) return START;
  const m = /^([a-z]+):(\d{1,15}):(\d{1,4})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!m || m[1] !== kind)
    throw new CollectorError('C_BAD_QUERY', `cursor is not one this list (${kind}) handed out`);
  return { id: Number(m[2]), offset: Number(m[3]) };
}
