import { CategoryLimitError } from './catalog.errors.js';

/**
 * Categories the catalog may have, however they are added: `GET /categories`
 * returns the whole tree in one reply, and a reply's lists hold at most 1000
 * items.
 */
export const MAX_CATEGORIES = 1000;

/** Refuses `adding` more categories when the catalog has `count` already. */
export function assertRoomForCategory(count: number, adding = 1): void {
  if (count + adding > MAX_CATEGORIES) throw new CategoryLimitError(MAX_CATEGORIES);
}
