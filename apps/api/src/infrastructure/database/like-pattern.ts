/**
 * A LIKE/ILIKE pattern matching `text` anywhere in a value. What a caller
 * searches for is text, not a pattern: `%`, `_` and the escape character
 * `\` (LIKE's default) are escaped, so "50%" finds "50%" and not "500".
 */
export const likePattern = (text: string): string =>
  `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
