import type { CartDto, CartLineDto, GuestCartDto, MergedCartDto } from '@minishop/contracts';

import type { MergedCart } from './cart-merge.service.js';
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

export function toMergedCartDto(merged: MergedCart): MergedCartDto {
  return {
    ...toCartDto(merged.cart),
    merge: {
      dropped: merged.report.dropped.map(({ variantId, quantity, reason }) => ({
        variantId,
        quantity,
        reason,
      })),
      capped: merged.report.capped.map(({ variantId, requested, kept, reason }) => ({
        variantId,
        requested,
        kept,
        reason,
      })),
    },
  };
}
