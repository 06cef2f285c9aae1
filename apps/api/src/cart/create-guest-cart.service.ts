import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CartRepository } from './cart.repository.js';
import { type CartView, CartViewService } from './cart-view.service.js';
import { cartTokenHash, newCartToken } from './guest-cart-token.js';

@Injectable()
export class CreateGuestCartService {
  constructor(
    private readonly carts: CartRepository,
    private readonly views: CartViewService,
    private readonly transactions: TransactionRunner,
  ) {}

  /** A new, empty guest cart and the token for it (only the token's hash is kept). */
  async create(): Promise<{ cartToken: string; cart: CartView }> {
    const cartToken = newCartToken();
    const cart = await this.transactions.run(async (m) => {
      const created = await this.carts.createGuestCart(cartTokenHash(cartToken)!, m);
      return this.views.view(created.id, m);
    });
    return { cartToken, cart };
  }
}
