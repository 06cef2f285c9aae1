import type { IncomingMessage } from 'node:http';

import { PROBLEM_CONTENT_TYPE } from '@minishop/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';

import { problem } from './problem.js';
import { type RequestDeadlineState, withinRequestDeadline } from './request-deadline-scope.js';

/**
 * Answers 503 problem+json (Retry-After) when a request is still unanswered
 * REQUEST_TIMEOUT_MS after it arrived, instead of letting the client hang.
 * The handler is not cancelled: its late reply is dropped, and while
 * nothing of it has committed, a transaction it has open rolls back instead
 * of committing (TransactionRunner), so the 503 means nothing changed. A
 * request whose transaction is committing is answered when the commit is
 * in, with its outcome (unless the commit is still out a whole timeout
 * later); one that committed part of its work gets a 503 saying so (see
 * RequestDeadlineState). Fastify's own timeouts only cover receiving the
 * request and idle sockets.
 *
 * One sweep timer for all requests rather than a timer (or an rxjs timeout)
 * per request: on a trivial route that per-request cost was a third of the
 * throughput. Deadlines are therefore met to within a quarter of the
 * timeout (at most a second) late.
 */
export function enforceRequestDeadline(fastify: FastifyInstance, timeoutMs: number): void {
  // Every deadline is arrival + timeoutMs, so insertion order is deadline order.
  const pending = new Map<
    IncomingMessage,
    { reply: FastifyReply; deadline: number; state: RequestDeadlineState }
  >();
  const states = new WeakMap<IncomingMessage, RequestDeadlineState>();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [raw, { reply, deadline, state }] of pending) {
        if (deadline > now) break;
        // A reply whose head is out is answered: a body still streaming (a
        // large report download) is left to finish, the socket's idle
        // timeout covering a stalled client. A 503 now would cut it short.
        if (reply.sent || reply.raw.destroyed || reply.raw.headersSent) {
          pending.delete(raw);
          continue;
        }
        // Its commit is on its way and will be the answer: a COMMIT waits
        // on no lock, only on the disk or the connection. One still out a
        // whole timeout later (a connection that died silently, which TCP
        // gives up on only after minutes) is answered, its outcome unknown.
        const committing = state.committing > 0;
        if (committing && deadline + timeoutMs > now) continue;
        pending.delete(raw);
        state.answered = true;
        const detail = committing
          ? `The request's commit did not complete within ${2 * timeoutMs} ms: whether it took effect is unknown`
          : state.committed
            ? `The request did not complete within ${timeoutMs} ms, and part of it may have taken effect: check before sending it again without an Idempotency-Key`
            : `The request did not complete within ${timeoutMs} ms; try again shortly`;
        void reply
          .code(503)
          .header('Retry-After', '5')
          // The connection goes too: a client still trickling its body (or a
          // handler still running) must not keep holding it after the answer.
          .header('Connection', 'close')
          .header('Content-Type', PROBLEM_CONTENT_TYPE)
          .send(
            problem({
              status: 503,
              type: 'unavailable',
              detail,
              instance: reply.request.url.split('?')[0] ?? '',
            }),
          );
      }
    },
    Math.min(1_000, Math.max(50, timeoutMs / 4)),
  );
  sweep.unref();
  // Callback-style hooks: an async hook costs a promise on every request.
  fastify.addHook('onRequest', (request, reply, done) => {
    const state: RequestDeadlineState = { answered: false, committing: 0, committed: false };
    states.set(request.raw, state);
    pending.set(request.raw, { reply, deadline: Date.now() + timeoutMs, state });
    done();
  });
  // The handler (Nest's guards, interceptors and controller) runs within
  // done(), so the transactions it opens find the request's state.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const state = states.get(request.raw);
    if (state) withinRequestDeadline(state, done);
    else done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    pending.delete(request.raw);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    pending.delete(request.raw);
    done();
  });
  fastify.addHook('onClose', async () => clearInterval(sweep));
}
