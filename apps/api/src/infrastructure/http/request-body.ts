import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a request says it carries a body: a positive Content-Length, or
 * chunked Transfer-Encoding. A request without one has nothing its
 * Content-Type or Content-Encoding could describe.
 */
export function declaresBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length']) > 0;
}
