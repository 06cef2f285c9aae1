/** Why PostgreSQL cannot take a string: a NUL, or UTF-16 that is not Unicode. */
export type UnstorableReason = 'nul' | 'lone-surrogate';

export interface UnstorableText {
  /** Where in the value (`variants.0.name`; '' for the value itself). */
  path: string;
  reason: UnstorableReason;
}

// With the u flag a well-formed pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /\p{Surrogate}/u;
const LONE_SURROGATES = /\p{Surrogate}/gu;

function reasonOf(text: string): UnstorableReason | undefined {
  if (text.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(text)) return 'lone-surrogate';
  return undefined;
}

/**
 * The first string in a request value, key or value, that PostgreSQL cannot
 * store, or undefined. JSON may carry both: U+0000 ("\u0000"), which no text
 * or jsonb value can hold, and a lone surrogate ("\ud800"), which is not a
 * character at all: the driver turns it into U+FFFD in a text column (so the
 * stored value is not what was sent), jsonb refuses it, and some validators
 * throw on it. Either answered 500 to what is the client's mistake.
 * Iterative, like the depth check, so no body can overflow the stack here.
 */
export function unstorableTextIn(value: unknown): UnstorableText | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      const reason = reasonOf(node);
      if (reason) return { path, reason };
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const at = path ? `${path}.${key}` : key;
        const reason = reasonOf(key);
        if (reason) return { path: at, reason };
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}

/** The message a problem reply gives for such a field. */
export function unstorableTextMessage(field: string, reason: UnstorableReason): string {
  return reason === 'nul'
    ? `${field} must not contain NUL (U+0000) characters`
    : `${field} must be well-formed Unicode text (it holds a lone surrogate, such as \\ud800)`;
}

/**
 * At most `max` UTF-16 units of `text` (a message of our own or a library's,
 * kept for the record) as PostgreSQL can store it: without its NUL
 * characters, which no text or jsonb value can hold, with U+FFFD for each
 * lone surrogate (as the driver writes one into a text column; jsonb refuses
 * it), and never ending in the first half of a character outside the BMP
 * (an emoji), which a plain slice may cut in two.
 */
export function storablePrefix(text: string, max: number): string {
  let whole = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  if (LONE_SURROGATE.test(whole)) whole = whole.replace(LONE_SURROGATES, '\uFFFD');
  if (whole.length <= max) return whole;
  const cut = whole.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
