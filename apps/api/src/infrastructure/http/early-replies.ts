import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Answers a request (and returns the reply) or returns undefined to let it go on. */
export type EarlyReply = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined> | FastifyReply | undefined;

const slots = new WeakMap<FastifyInstance, EarlyReply[]>();

/**
 * A place in the `onRequest` chain after the request id, deadline, CORS and
 * security headers, but before Nest's middleware (request logging) and
 * pipeline, where a feature may answer a request outright: the catalog
 * serves its cache hits there. Features register later (at bootstrap) than
 * the hook order is fixed (when the adapter is made), hence the slot.
 */
export function installEarlyReplies(fastify: FastifyInstance): void {
  const handlers: EarlyReply[] = [];
  slots.set(fastify, handlers);
  // Callback style, so a request no handler answers costs no promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    let i = 0;
    const next = (): void => {
      while (i < handlers.length) {
        const answered = handlers[i++]!(request, reply);
        if (answered instanceof Promise) {
          void answered.then((r) => (r ? undefined : next()), done);
          return;
        }
        if (answered) return;
      }
      done();
    };
    next();
  });
}

/** Registers `handler` in the slot; false when the adapter has none (it was not made by createAdapter). */
export function addEarlyReply(fastify: FastifyInstance, handler: EarlyReply): boolean {
  const handlers = slots.get(fastify);
  if (!handlers) return false;
  handlers.push(handler);
  return true;
}
