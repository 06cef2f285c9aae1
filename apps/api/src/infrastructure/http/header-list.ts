import type { ServerResponse } from 'node:http';

/**
 * Reply headers as Node's raw form: name, value, name, value, ... A fixed
 * set is worked out once as a list, and a reply sent before Fastify passes
 * its whole list to `writeHead` in one go.
 */
export type HeaderList = readonly string[];

/** Sets every header of `list` on `res`. */
export function setHeaderList(res: ServerResponse, list: HeaderList): void {
  for (let i = 0; i < list.length; i += 2) res.setHeader(list[i]!, list[i + 1]!);
}

/**
 * Appends `more` to `head`, folding a second Vary into the first (one field
 * line naming all the request headers the reply depends on). Every reply
 * that adds a Vary of its own to CORS's folds it here, so the front door and
 * the Nest path send the same line.
 */
export function appendHeaders(head: string[], more: HeaderList): void {
  for (let i = 0; i < more.length; i += 2) {
    const name = more[i]!;
    const value = more[i + 1]!;
    const vary = name === 'Vary' ? nameIndex(head, 'Vary') : -1;
    if (vary >= 0) head[vary + 1] = `${head[vary + 1]}, ${value}`;
    else head.push(name, value);
  }
}

/**
 * Where `name` is a header name in `head`. Names only: a value may read the
 * same (a caller's X-Request-Id of "Vary"), and stops no later name.
 */
function nameIndex(head: readonly string[], name: string): number {
  for (let i = 0; i < head.length; i += 2) if (head[i] === name) return i;
  return -1;
}
