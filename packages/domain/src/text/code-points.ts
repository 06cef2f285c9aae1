/**
 * The length of `text` in Unicode code points: how JSON Schema's `minLength`
 * and `maxLength` count (RFC 8259 characters), so the limits the OpenAPI
 * document publishes and the ones the API enforces agree. Not UTF-16 units
 * (`String#length` counts an emoji as 2), and not class-validator's count,
 * which also drops a variation selector (U+FE0E/U+FE0F) after a character.
 * A lone surrogate counts as one, as it does for JSON Schema validators.
 */
export function codePointLength(text: string): number {
  let count = 0;
  // The string iterator steps over whole code points (lone surrogates singly).
  for (const _ of text) count += 1;
  return count;
}
