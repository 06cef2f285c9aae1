import { type DynamicModule, Module, type ModuleMetadata, type Type } from '@nestjs/common';

import { CaughtUpEventMetrics } from './caught-up-event-metrics.js';
import { DeferredEventRetry } from './deferred-event-retry.js';
import { DeferredEventsAfterPaymentHandler } from './deferred-events-after-payment.handler.js';
import { DeferredEventsAfterPayment } from './deferred-events-after-payment.js';
import { PaymentEventCatchUp } from './payment-event-catch-up.js';
import { IgnoringPaymentEventHandler, PaymentEventHandler } from './payment-event-handler.js';
import { PaymentEventIntake } from './payment-event-intake.js';
import { PaymentEventProcessor } from './payment-event-processor.service.js';
import { PaymentGatewayModule } from './payment-gateway.module.js';
import {
  NoOrderPaymentIntentResolver,
  OrderPaymentIntentResolver,
  PaymentSimulationService,
} from './payment-simulation.service.js';
import { CatchUpSweepRepository } from './persistence/catch-up-sweep.repository.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';
import { TypeOrmCatchUpSweepRepository } from './persistence/typeorm-catch-up-sweep.repository.js';
import { TypeOrmPaymentEventRepository } from './persistence/typeorm-payment-event.repository.js';
import { StripeWebhookVerifier } from './stripe/stripe-webhook-verifier.js';
import { UndeliveredEventSweep } from './undelivered-event-sweep.js';
import { StripeWebhookController } from './webhooks/stripe-webhook.controller.js';
import { StripeWebhookService } from './webhooks/stripe-webhook.service.js';
import { WebhookMetrics } from './webhooks/webhook-metrics.js';

export interface PaymentsModuleOptions {
  /** Applies webhook events to orders; default: every event is recorded as ignored. */
  eventHandler?: Type<PaymentEventHandler>;
  /** Lets `payments:simulate --order` find an order's PaymentIntent. */
  orderResolver?: Type<OrderPaymentIntentResolver>;
  /** Modules the two classes above need (e.g. the orders module). */
  imports?: ModuleMetadata['imports'];
}

/**
 * Stripe payments: the gateway, the webhook intake and its event store, and
 * the emulator's payment simulation. The orders module plugs its handler in:
 * `PaymentsModule.register({ eventHandler: OrderPaymentEventHandler, imports: [OrdersModule] })`.
 */
@Module({})
export class PaymentsModule {
  static register(options: PaymentsModuleOptions = {}): DynamicModule {
    return {
      module: PaymentsModule,
      // Global so CLI commands and other features reach its services.
      global: true,
      imports: [PaymentGatewayModule, ...(options.imports ?? [])],
      controllers: [StripeWebhookController],
      providers: [
        {
          provide: PaymentEventHandler,
          useClass: options.eventHandler ?? IgnoringPaymentEventHandler,
        },
        {
          provide: OrderPaymentIntentResolver,
          useClass: options.orderResolver ?? NoOrderPaymentIntentResolver,
        },
        { provide: PaymentEventRepository, useClass: TypeOrmPaymentEventRepository },
        { provide: CatchUpSweepRepository, useClass: TypeOrmCatchUpSweepRepository },
        PaymentEventProcessor,
        PaymentEventIntake,
        UndeliveredEventSweep,
        PaymentEventCatchUp,
        DeferredEventRetry,
        DeferredEventsAfterPayment,
        DeferredEventsAfterPaymentHandler,
        StripeWebhookVerifier,
        StripeWebhookService,
        WebhookMetrics,
        CaughtUpEventMetrics,
        PaymentSimulationService,
      ],
      exports: [
        PaymentEventProcessor,
        PaymentSimulationService,
        PaymentEventCatchUp,
        DeferredEventRetry,
      ],
    };
  }
}
