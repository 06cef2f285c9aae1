const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a value is shaped like a UUID, as every id here is. Checked before
 * a value reaches a uuid parameter (PostgreSQL would refuse the cast as a
 * server error) and to tell an id from a slug in `/products/:idOrSlug`.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
