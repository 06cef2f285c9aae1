import { Global, Module } from '@nestjs/common';

import { AdminOrdersController } from './admin-orders.controller.js';
import { CheckoutService } from './checkout.service.js';
import { CheckoutCart } from './checkout-cart.js';
import { CheckoutWriter } from './checkout-writer.js';
import { DisabledAccountOrders } from './disabled-account-orders.service.js';
import { DisputeEvents } from './dispute-events.js';
import { ExpiringIntents } from './expiring-intents.js';
import { IdempotencyService } from './idempotency.service.js';
import { IntentCancellation } from './intent-cancellation.js';
import { OrderRepository } from './order.repository.js';
import { OrderCancellationService } from './order-cancellation.service.js';
import { OrderExpiryService } from './order-expiry.service.js';
import { OrderFulfilmentService } from './order-fulfilment.service.js';
import { OrderJobs } from './order-jobs.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { OrderMetrics } from './order-metrics.js';
import { OrderNotifications } from './order-notifications.js';
import { OrderPlacement } from './order-placement.js';
import { OrderQueryService } from './order-query.service.js';
import { OrdersController } from './orders.controller.js';
import { OutsideSettlementService } from './outside-settlement.service.js';
import { PaymentReviewService } from './payment-review.service.js';
import { CartModuleCheckoutCart } from './persistence/cart-module-checkout-cart.js';
import { TypeormCheckoutWriter } from './persistence/typeorm-checkout-writer.js';
import { TypeormOrderRepository } from './persistence/typeorm-order.repository.js';
import { TypeormRefundLedger } from './persistence/typeorm-refund-ledger.js';
import { RefundService } from './refund.service.js';
import { RefundEvents } from './refund-events.js';
import { RefundLedger } from './refund-ledger.js';
import { RefundSettlementService } from './refund-settlement.service.js';
import { UnpaidOrderSweep } from './unpaid-order-sweep.js';
import { UnsettledRefundsService } from './unsettled-refunds.service.js';

/**
 * Checkout and orders. `PaymentGateway` comes from the (global) payments
 * module; this module's handler and resolver are plugged into it through
 * `PaymentsModule.register` in app.module.ts. Global so the CLI's order
 * commands (declared in cli.module.ts) reach the services they share with
 * the HTTP routes.
 */
@Global()
@Module({
  controllers: [OrdersController, AdminOrdersController],
  providers: [
    { provide: OrderRepository, useClass: TypeormOrderRepository },
    { provide: CheckoutCart, useClass: CartModuleCheckoutCart },
    { provide: CheckoutWriter, useClass: TypeormCheckoutWriter },
    { provide: RefundLedger, useClass: TypeormRefundLedger },
    OrderPlacement,
    IdempotencyService,
    OrderLifecycle,
    OrderMetrics,
    OrderNotifications,
    OrderJobs,
    OrderQueryService,
    CheckoutService,
    OrderCancellationService,
    OrderFulfilmentService,
    RefundService,
    RefundSettlementService,
    UnsettledRefundsService,
    RefundEvents,
    DisputeEvents,
    OrderExpiryService,
    ExpiringIntents,
    UnpaidOrderSweep,
    IntentCancellation,
    DisabledAccountOrders,
    PaymentReviewService,
    OutsideSettlementService,
  ],
  exports: [
    OrderRepository,
    IntentCancellation,
    OrderLifecycle,
    OrderExpiryService,
    OrderQueryService,
    PaymentReviewService,
    OutsideSettlementService,
    UnsettledRefundsService,
    RefundLedger,
    RefundEvents,
    DisputeEvents,
  ],
})
export class OrdersModule {}
