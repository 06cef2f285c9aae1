/**
 * Every reply header but those that differ between any two replies by
 * nature: the time, the client's remaining request budget (one request
 * apart) and the seconds until that budget resets (the two replies may fall
 * either side of a second).
 */
export const headersOf = (res: { headers: Record<string, unknown> }) => {
  const {
    date: _date,
    'x-ratelimit-remaining': _remaining,
    'x-ratelimit-reset': _reset,
    ...rest
  } = res.headers;
  return rest;
};
