/**
 * Whether the fields name a date and time that exist. Page cursors carry a
 * timestamp as text for PostgreSQL to cast; a client can send any text, and
 * a well-shaped one naming a 13th month or a 30th of February fails that
 * cast with an error the problem filter rightly reports as the server's (a
 * 500). Checked first, it is the client's mistake (a 400).
 */
export function isCalendarDateTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): boolean {
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const date = new Date(Date.UTC(2000, month - 1, day));
  // Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The same for a match whose groups 1-6 are year, month, day, hour, minute and second. */
export function matchesCalendarDateTime(match: RegExpExecArray | null): boolean {
  if (!match) return false;
  const field = (i: number) => Number(match[i]);
  return isCalendarDateTime(field(1), field(2), field(3), field(4), field(5), field(6));
}
