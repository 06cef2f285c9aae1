import type { HeaderList } from './header-list.js';

/**
 * Who may keep a reply. The rule, in one place:
 *
 * - Private by default: every reply Fastify sends starts with
 *   `Cache-Control: no-store` (set with the security headers, before any
 *   handler runs). Carts, orders, the account, tokens, admin replies and
 *   every problem reply depend on the caller or on the moment, and neither
 *   a browser's cache nor a shared one may keep them (OWASP REST Security
 *   Cheat Sheet).
 * - Public: the catalog's cached pages (`GET /products`,
 *   `/products/:idOrSlug`, `/categories`) are the same for every caller.
 *   Their sender replaces the default with `publicCacheControl` beside
 *   their ETag (`sendCached`), and the front door sends its hits with that
 *   alone, never through this default. The API docs (`/docs`...) are left
 *   to the browser's defaults.
 *
 * A new public route says so the same way: by sending `publicCacheControl`.
 */
export const PRIVATE_CACHE_CONTROL: HeaderList = ['Cache-Control', 'no-store'];

/** The Cache-Control of a public reply that shared caches may hold for `maxAgeSeconds`. */
export function publicCacheControl(maxAgeSeconds: number): string {
  return `public, max-age=${maxAgeSeconds}`;
}
