import { isUuid } from './uuid.js';

const SLUG_LIKE = /^[a-z0-9-]{1,120}$/;

/**
 * Whether an id (or slug) the caller sent may be repeated in an error's
 * detail: only when it is shaped like one. Anything else (NUL, terminal
 * escapes, line breaks, a megabyte of text) would reach the reply and every
 * log or screen that shows it exactly as sent.
 */
export function echoableId(value: string, { slug = false } = {}): boolean {
  return isUuid(value) || (slug && SLUG_LIKE.test(value));
}
