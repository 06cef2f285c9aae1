import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const REQUEST_ID = /^[\w-]{1,128}$/;

/**
 * The caller's X-Request-Id when it is sane, else a fresh UUID; echoed back
 * so a client can quote it when reporting a problem.
 */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const header = headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}
