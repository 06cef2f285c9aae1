import { Global, Module } from '@nestjs/common';

import { GuestCartAbsorber } from '../auth/guest-cart-absorber.js';
import { AddCartItemService } from './add-cart-item.service.js';
import { CartController } from './cart.controller.js';
import { CartRepository } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';
import { CartCleanupService } from './cart-cleanup.service.js';
import { CartMergeService } from './cart-merge.service.js';
import { CartResolver } from './cart-resolver.service.js';
import { CartViewService } from './cart-view.service.js';
import { ChangeCartItemService } from './change-cart-item.service.js';
import { CheckoutCartPort } from './checkout-cart.port.js';
import { CheckoutCartService } from './checkout-cart.service.js';
import { CreateGuestCartService } from './create-guest-cart.service.js';
import { TypeormCartRepository } from './persistence/typeorm-cart.repository.js';
import { TypeormCartCatalog } from './persistence/typeorm-cart-catalog.js';

/**
 * Carts. Global because other features consume its ports without importing
 * it: auth's sign-in calls GuestCartAbsorber, checkout calls CheckoutCartPort,
 * the job system schedules CartCleanupService.expireAbandoned. See README.md
 * beside this file for the DI graph.
 */
@Global()
@Module({
  controllers: [CartController],
  providers: [
    { provide: CartRepository, useClass: TypeormCartRepository },
    { provide: CartCatalog, useClass: TypeormCartCatalog },
    CartResolver,
    CartViewService,
    CreateGuestCartService,
    AddCartItemService,
    ChangeCartItemService,
    CartMergeService,
    { provide: GuestCartAbsorber, useExisting: CartMergeService },
    CartCleanupService,
    { provide: CheckoutCartPort, useClass: CheckoutCartService },
  ],
  exports: [GuestCartAbsorber, CheckoutCartPort, CartCleanupService, CartMergeService],
})
export class CartModule {}
