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

/**
 * Which list a cursor belongs to. Orders' cursors carry no name: their form
 * is older than the other lists, and cursors clients hold stay valid. Every
 * other list's cursor starts with its name, so one list's cursor is refused
 * by another rather than read as a position in it.
 */
export type CursorList = 'orders' | 'users';

function encodeNewestFirstCursor(row: CursorRow, list: CursorList): string {
  const fields = [row.cursor_at, row.id];
  return Buffer.from(JSON.stringify(list === 'orders' ? fields : [list, ...fields])).toString(
    'base64url',
  );
}

/** A UTC instant as cursor_at writes it (its fields checked too: see isCalendarDateTime). */
const CURSOR_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}$/;

/** A decoded cursor's instant and id, when it is one of `list`'s. */
function fieldsOf(value: unknown, list: CursorList): unknown[] | undefined {
  if (!Array.isArray(value)) return undefined;
  if (list === 'orders') return value;
  return value[0] === list ? value.slice(1) : undefined;
}

/** The instant (as `timestamptz` text) and id after which the next page starts. */
function decodeNewestFirstCursor(cursor: string, list: CursorList): [string, string] {
  try {
    const fields = fieldsOf(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')), list);
    if (
      fields?.length === 2 &&
      typeof fields[0] === 'string' &&
      matchesCalendarDateTime(CURSOR_INSTANT.exec(fields[0])) &&
      typeof fields[1] === 'string' &&
      isUuid(fields[1])
    ) {
      return [`${fields[0]}Z`, fields[1]];
    }
  } catch {
    // fall through: any undecodable cursor is the client's error
  }
  throw new InvalidCursorError('is not one this API returned');
}

/**
 * The condition that starts a page of `list` after `cursor` on the rows of
 * `alias`; its two parameters are appended to `params`.
 */
export function afterCursor(
  list: CursorList,
  alias: string,
  cursor: string,
  params: unknown[],
): string {
  const [at, id] = decodeNewestFirstCursor(cursor, list);
  params.push(at, id);
  const n = params.length;
  return `(${alias}.created_at, ${alias}.id) < ($${n - 1}::timestamptz, $${n}::uuid)`;
}

/**
 * One page of a newest-first list, fetched with a limit of `limit + 1`:
 * the extra row only tells whether there is a next page.
 */
export function newestFirstPage<R extends CursorRow>(
  list: CursorList,
  rows: readonly R[],
  limit: number,
): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page,
    nextCursor: rows.length > limit && last ? encodeNewestFirstCursor(last, list) : null,
  };
}
