import { OrderNotFoundError } from '@minishop/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A malformed id names no order: the same 404 as an unknown or foreign one. */
export function assertOrderId(id: string): string {
  if (!isUuid(id)) throw new OrderNotFoundError(id);
  return id;
}

/** OpenAPI description of the `:id` path parameter of order routes. */
export const ORDER_ID_PARAM = {
  name: 'id',
  description: 'Order id',
  schema: { type: 'string', format: 'uuid', maxLength: 36 },
} as const;
