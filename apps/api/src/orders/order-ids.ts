import { isUuid, OrderNotFoundError } from '@minishop/domain';

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
