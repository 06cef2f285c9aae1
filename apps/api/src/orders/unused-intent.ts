import type { Logger } from '@nestjs/common';

import { errorMessage } from '../infrastructure/logging/error-message.js';
import type { PaymentGateway, PaymentIntentRef } from '../payments/payment-gateway.js';
import { paymentIntentKey } from './checkout-reply.js';

/**
 * An intent made for an order that did not take it (the order was not
 * written, or was cancelled meanwhile): nobody will ever be shown its
 * secret, so it is cancelled rather than left open at the provider. A
 * failure is only logged; the intent can never be paid either way.
 */
export async function cancelUnusedIntent(
  payments: PaymentGateway,
  logger: Logger,
  intent: PaymentIntentRef,
  orderId: string,
): Promise<void> {
  try {
    await payments.cancelIntent(intent.id, `${paymentIntentKey(orderId)}-unused`);
  } catch (error) {
    logger.warn(`Unused PaymentIntent ${intent.id} could not be cancelled: ${errorMessage(error)}`);
  }
}
