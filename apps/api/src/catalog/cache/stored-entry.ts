import { type CachedResponse, type CacheEntry, isPage } from './catalog-cache.js';

/*
 * How a catalog cache entry is kept as one Redis string: a header line, then
 * a page's body as it is sent.
 *
 *   a page       `<expiresAt> <etag>\n<body>`   (an ETag starts with a quote)
 *   not found    `<expiresAt> absent`
 *   a redirect   `<expiresAt> moved <slug>`
 */

const ABSENT = 'absent';
const MOVED = 'moved';

/** A page's header line: it names one stored page, for as long as that is kept. */
export function pageHeader(page: CachedResponse): string {
  return `${page.expiresAt} ${page.etag}`;
}

export function encodeEntry(entry: CacheEntry): string {
  if (isPage(entry)) return `${pageHeader(entry)}\n${entry.body}`;
  return entry.movedTo === null
    ? `${entry.expiresAt} ${ABSENT}`
    : `${entry.expiresAt} ${MOVED} ${entry.movedTo}`;
}

/** The header line of a stored page; undefined for an absence, which has nothing else. */
export function storedPageHeader(stored: string): string | undefined {
  const nl = stored.indexOf('\n');
  return nl === -1 ? undefined : stored.slice(0, nl);
}

export function decodeEntry(stored: string): CacheEntry {
  const nl = stored.indexOf('\n');
  const header = nl === -1 ? stored : stored.slice(0, nl);
  const [at = '', what = '', slug] = header.split(' ');
  const expiresAt = Number(at);
  if (nl !== -1) return { etag: what, body: stored.slice(nl + 1), expiresAt };
  if (what === MOVED && slug) return { movedTo: slug, expiresAt };
  return { movedTo: null, expiresAt };
}
