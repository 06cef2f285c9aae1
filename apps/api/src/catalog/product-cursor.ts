import type { ProductSort } from '@minishop/contracts';
import { InvalidCursorError, isUuid } from '@minishop/domain';

import { matchesCalendarDateTime } from '../infrastructure/database/calendar-date-time.js';

/** Position after the last item of a page: its sort key and id (the tie-breaker). */
export interface ProductCursor {
  sort: ProductSort;
  key: string | number;
  id: string;
}

// A product name is at most 200 code points now (400 UTF-16 units), but
// names stored while class-validator counted them, where a surrogate pair or
// a character with its variation selector was one, run up to three UTF-16
// units per counted character: their cursors must still be accepted.
const NAME_KEY_MAX_UNITS = 600;
// created_at as PostgreSQL prints it (microseconds kept, so no two rows tie by accident).
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?$/;

/** Its fields name an instant PostgreSQL can cast, with an offset it accepts (under 16 h). */
function isTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value);
  return matchesCalendarDateTime(match) && Number(match![7]) <= 15 && Number(match![8] ?? 0) <= 59;
}

export function encodeCursor(cursor: ProductCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');
}

/** Parses a client's cursor; anything not made by `encodeCursor` for this sort is a 400. */
export function decodeCursor(raw: string, sort: ProductSort): ProductCursor {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('is malformed');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw new InvalidCursorError('is malformed');
  const [cursorSort, key, id] = parsed as unknown[];
  if (typeof id !== 'string' || !isUuid(id)) throw new InvalidCursorError('is malformed');
  if (cursorSort !== sort) {
    throw new InvalidCursorError(
      `was issued for another sort (${String(cursorSort)}), not ${sort}`,
    );
  }
  const valid =
    sort === 'newest'
      ? typeof key === 'string' && isTimestamp(key)
      : sort === 'name'
        ? typeof key === 'string' && key.length <= NAME_KEY_MAX_UNITS
        : typeof key === 'number' && Number.isSafeInteger(key);
  if (!valid) throw new InvalidCursorError('is malformed');
  return { sort, key: key as string | number, id };
}
