import type { CartDto, CartLineDto, GuestCartDto } from '@minishop/contracts';

import type { CartView } from './cart-view.service.js';

export function toCartDto(cart: CartView): CartDto {
  return {
    id: cart.id,
    lines: cart.lines.map((l): CartLineDto => ({
      id: l.id,
      variantId: l.variantId,
      productId: l.productId,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice.toJSON(),
      lineTotal: l.lineTotal.toJSON(),
      issues: [...l.issues],
    })),
    subtotal: cart.subtotal.toJSON(),
    itemCount: cart.itemCount,
    updatedAt: cart.updatedAt.toISOString(),
  };
}

export function toGuestCartDto(created: { cartToken: string; cart: CartView }): GuestCartDto {
  return { cartToken: created.cartToken, cart: toCartDto(created.cart) };
}
