/**
 * Whether an If-None-Match header names one of `etags` (or is `*`), compared
 * weakly as RFC 9110 asks of If-None-Match: the caller holds that content.
 */
export function namesEtag(header: string | undefined, etags: readonly string[]): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return etags.includes(trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed);
  });
}
