import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import { PROBLEM_CONTENT_TYPE } from '@minishop/contracts';

import { problem } from './problem.js';
import { API_REPLY_HEADERS } from './security-headers.js';

/** What Node's HTTP parser reports, mapped to the reply the client gets. */
function replyTo(code: string | undefined): { status: number; type: string; detail: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, type: 'request-timeout', detail: 'The request did not arrive in time' };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      type: 'headers-too-large',
      detail: 'The request line and headers are larger than the server accepts (16 KiB)',
    };
  }
  return { status: 400, type: 'bad-request', detail: 'The request is not well-formed HTTP' };
}

/**
 * Answers a request Node's HTTP parser refused (a URL or headers over
 * 16 KiB, a control character in a header, a malformed request line) as
 * every other refusal is answered: problem+json with the security headers
 * and a request id, instead of Fastify's `{"error": ...}`. No request object
 * exists yet, so the id is new and the instance names it.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A connection reset: nobody is left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, type, detail } = replyTo(error.code);
    const id = randomUUID();
    const body = JSON.stringify(problem({ status, type, detail, instance: `urn:uuid:${id}` }));
    const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`];
    const headers = [
      'Content-Type',
      PROBLEM_CONTENT_TYPE,
      'Content-Length',
      String(Buffer.byteLength(body)),
      'X-Request-Id',
      id,
      ...API_REPLY_HEADERS,
      'Connection',
      'close',
    ];
    for (let i = 0; i < headers.length; i += 2) head.push(`${headers[i]}: ${headers[i + 1]}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
