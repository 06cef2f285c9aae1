/**
 * Where in a request value a string holds U+0000 (`variants.0.name`; '' for
 * the value itself), or undefined when none does. PostgreSQL text cannot
 * store that character: a query carrying one fails ("invalid byte sequence
 * for encoding UTF8: 0x00") wherever the string is stored or compared, which
 * answered 500 to what is the client's mistake. Iterative, like the depth
 * check, so no body can overflow the stack here.
 */
export function nulCharacterPath(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return path;
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        stack.push([child, path ? `${path}.${key}` : key]);
      }
    }
  }
  return undefined;
}
