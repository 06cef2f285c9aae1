/**
 * The idle wait of loop `i` of `n`: the interval, up to a quarter longer.
 * Loops started together with one interval fetch together for ever (each
 * waits the interval minus its fetch), so an idle process held a pool
 * connection per loop, 8 to 12, while one or two are busy at a time; on a
 * database of 100 connections a few processes came near its limit. Spread
 * out, their fetches soon stop meeting.
 */
export function pollingSpread(intervalSeconds: number, i: number, n: number): number {
  return intervalSeconds * (1 + i / (4 * Math.max(n, 1)));
}
