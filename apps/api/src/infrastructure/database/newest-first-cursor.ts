import { InvalidCursorError, isUuid } from '@minishop/domain';

import { matchesCalendarDateTime } from './calendar-date-time.js';

/**
 * The page cursor of a newest-first list ordered by `(created_at, id)`
 * (orders, accounts). The instant is carried as PostgreSQL writes it, to
 * the microsecond: a JavaScript Date keeps milliseconds only, and a cursor
 * rounded down would skip or repeat rows created in the same millisecond.
 */
export const cursorAtColumn = (alias: string) =>
  `to_char(${alias}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS cursor_at`;

/** A row that can start the next page: its `cursorAtColumn` and id. */
export interface CursorRow {
  cursor_at: string;
  id: string;
}

export function encodeNewestFirstCursor(row: CursorRow): string {
  return Buffer.from(JSON.stringify([row.cursor_at, row.id])).toString('base64url');
}

/** A UTC instant as cursor_at writes it (its fields checked too: see isCalendarDateTime). */
const CURSOR_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}$/;

/** The instant (as `timestamptz` text) and id after which the next page starts. */
function decodeNewestFirstCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      matchesCalendarDateTime(CURSOR_INSTANT.exec(value[0])) &&
      typeof value[1] === 'string' &&
      isUuid(value[1])
    ) {
      return [`${value[0]}Z`, value[1]];
    }
  } catch {
    // fall through: any undecodable cursor is the client's error
  }
  throw new InvalidCursorError('is not one this API returned');
}

/**
 * The condition that starts a page after `cursor` on the rows of `alias`;
 * its two parameters are appended to `params`.
 */
export function afterCursor(alias: string, cursor: string, params: unknown[]): string {
  const [at, id] = decodeNewestFirstCursor(cursor);
  params.push(at, id);
  const n = params.length;
  return `(${alias}.created_at, ${alias}.id) < ($${n - 1}::timestamptz, $${n}::uuid)`;
}

/**
 * One page of a newest-first list, fetched with a limit of `limit + 1`:
 * the extra row only tells whether there is a next page.
 */
export function newestFirstPage<R extends CursorRow>(
  rows: readonly R[],
  limit: number,
): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page,
    nextCursor: rows.length > limit && last ? encodeNewestFirstCursor(last) : null,
  };
}
