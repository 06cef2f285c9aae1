import type { FastifyInstance } from 'fastify';

/** Far deeper than any request DTO; a body beyond it is not a real client's. */
export const MAX_BODY_DEPTH = 32;

/** Iterative, so a hostile body cannot overflow the stack here either. */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    // Raw bytes (a CSV upload) are a leaf, not millions of children.
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Refuses JSON bodies nested deeper than MAX_BODY_DEPTH with a 400 before
 * validation sees them: class-transformer and class-validator recurse once
 * per level, and a body of a few thousand nested arrays (well under the body
 * size limit) overflowed the stack and answered 500.
 */
export function limitBodyDepth(fastify: FastifyInstance, max = MAX_BODY_DEPTH): void {
  fastify.addHook('preValidation', async (request) => {
    if (exceedsDepth(request.body, max)) {
      throw Object.assign(new Error(`The request body is nested deeper than ${max} levels`), {
        statusCode: 400,
        code: 'BODY_TOO_DEEP',
      });
    }
  });
}
