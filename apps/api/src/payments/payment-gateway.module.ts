import { Global, Module } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { StripeEmulatorHost } from './emulator/stripe-emulator.host.js';
import { PaymentGateway } from './payment-gateway.js';
import { StripeClient, stripeClientProvider } from './stripe/stripe-client.provider.js';
import { StripePaymentGateway } from './stripe/stripe-payment-gateway.js';

/**
 * The payment provider: the Stripe SDK client (real Stripe or the local
 * emulator) behind the `PaymentGateway` port. Global, so checkout, order
 * cancellation and refunds inject `PaymentGateway` without importing it.
 */
@Global()
@Module({
  providers: [
    { provide: StripeEmulatorHost, inject: [AppConfig], useFactory: StripeEmulatorHost.create },
    stripeClientProvider,
    { provide: PaymentGateway, useClass: StripePaymentGateway },
  ],
  exports: [PaymentGateway, StripeEmulatorHost, StripeClient],
})
export class PaymentGatewayModule {}
