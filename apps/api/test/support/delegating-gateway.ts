import type { Money } from '@minishop/domain';

import {
  type CreateIntentInput,
  PaymentGateway,
  type PaymentIntentDetails,
  type PaymentIntentRef,
  type ProviderRefund,
  type RefundInput,
  type RefundRef,
  type UndeliveredEventsPage,
  type UndeliveredEventsQuery,
} from '../../src/payments/payment-gateway.js';

/**
 * A gateway that hands every call to the real one (against the emulator), for
 * test gateways that change or watch a call or two and pass the rest on.
 */
export class DelegatingGateway extends PaymentGateway {
  constructor(protected readonly real: PaymentGateway) {
    super();
  }

  createIntent(input: CreateIntentInput): Promise<PaymentIntentRef> {
    return this.real.createIntent(input);
  }
  retrieveIntent(id: string): Promise<PaymentIntentDetails> {
    return this.real.retrieveIntent(id);
  }
  cancelIntent(id: string, idempotencyKey?: string): Promise<PaymentIntentRef> {
    return this.real.cancelIntent(id, idempotencyKey);
  }
  refund(input: RefundInput): Promise<RefundRef> {
    return this.real.refund(input);
  }
  refundsOf(paymentIntentId: string): Promise<ProviderRefund[]> {
    return this.real.refundsOf(paymentIntentId);
  }
  refundedAmount(chargeId: string): Promise<Money> {
    return this.real.refundedAmount(chargeId);
  }
  undeliveredEvents(query: UndeliveredEventsQuery): Promise<UndeliveredEventsPage> {
    return this.real.undeliveredEvents(query);
  }
}
