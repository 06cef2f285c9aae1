import {
  PaymentNotFoundError,
  PaymentProviderError,
  PaymentSimulationUnavailableError,
  PaymentStateConflictError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { StripeEmulatorHost } from './emulator/stripe-emulator.host.js';

export type SimulationOutcome = 'succeeded' | 'failed';

/**
 * Finds the PaymentIntent of an order, so a payment can be simulated by order
 * id. The orders module provides the real one through `PaymentsModule.register`.
 */
export abstract class OrderPaymentIntentResolver {
  abstract paymentIntentIdOf(orderId: string): Promise<string>;
}

/** Used until the orders module provides a resolver. */
export class NoOrderPaymentIntentResolver extends OrderPaymentIntentResolver {
  async paymentIntentIdOf(): Promise<string> {
    throw new PaymentSimulationUnavailableError('Looking up a payment by order is not available');
  }
}

export interface SimulationResult {
  paymentIntentId: string;
  eventId: string;
  eventType: string;
  status: string;
}

/**
 * Plays the customer's side of a payment against the local Stripe emulator:
 * the intent succeeds or is declined, and the emulator sends the signed
 * webhook to the API. Goes over HTTP to the emulator's control route, so it
 * works from the CLI against the emulator the running API hosts.
 */
@Injectable()
export class PaymentSimulationService {
  constructor(
    private readonly host: StripeEmulatorHost,
    private readonly orders: OrderPaymentIntentResolver,
  ) {}

  async simulate(
    target: { paymentIntentId: string } | { orderId: string },
    outcome: SimulationOutcome,
  ): Promise<SimulationResult> {
    const base = this.host.emulatorUrl;
    if (!base) {
      throw new PaymentSimulationUnavailableError(
        'Payments can be simulated only with the local Stripe emulator (STRIPE_SECRET_KEY unset); with Stripe test mode, pay with a test card or use `stripe trigger`',
      );
    }
    const paymentIntentId =
      'paymentIntentId' in target
        ? target.paymentIntentId
        : await this.orders.paymentIntentIdOf(target.orderId);
    let response: Response;
    try {
      response = await fetch(
        `${base}/_emulator/payment_intents/${encodeURIComponent(paymentIntentId)}/simulate`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.host.apiKey}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ outcome }),
          signal: AbortSignal.timeout(10_000),
        },
      );
    } catch (error) {
      throw new PaymentProviderError(
        `The local Stripe emulator at ${base} is not reachable; is the API running?`,
        'unreachable',
        error,
      );
    }
    const body = (await response.json().catch(() => ({}))) as {
      error?: { message?: string; code?: string };
      event?: { id: string; type: string };
      payment_intent?: { id: string; status: string };
    };
    if (!response.ok || !body.event || !body.payment_intent) {
      const message = body.error?.message ?? `The emulator answered ${response.status}`;
      if (body.error?.code === 'resource_missing') {
        throw new PaymentNotFoundError(
          `${message}. The emulator keeps intents in memory: only those created since the API started exist.`,
        );
      }
      if (response.status === 400) throw new PaymentStateConflictError(message, body.error?.code);
      throw new PaymentProviderError(message, 'provider_error');
    }
    return {
      paymentIntentId: body.payment_intent.id,
      eventId: body.event.id,
      eventType: body.event.type,
      status: body.payment_intent.status,
    };
  }
}
