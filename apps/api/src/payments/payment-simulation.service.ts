import {
  PaymentNotFoundError,
  PaymentProviderError,
  PaymentSimulationUnavailableError,
  PaymentStateConflictError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { StripeEmulatorHost } from './emulator/stripe-emulator.host.js';

export type SimulationOutcome = 'succeeded' | 'failed';
export type DisputeOutcome = 'won' | 'lost';

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

export interface DisputeSimulationResult {
  disputeId: string;
  eventId: string;
  eventType: string;
  status: string;
}

interface ControlReply {
  event: { id: string; type: string };
  object: { id: string; status: string };
}

function disputeResult({ event, object }: ControlReply): DisputeSimulationResult {
  return { disputeId: object.id, eventId: event.id, eventType: event.type, status: object.status };
}

/**
 * Plays the customer's side of a payment against the local Stripe emulator:
 * the intent succeeds or is declined, or its payment is disputed with the
 * bank and the dispute won or lost, and the emulator sends the signed
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
    const paymentIntentId = await this.intentOf(target);
    const { event, object } = await this.control(
      `/_emulator/payment_intents/${encodeURIComponent(paymentIntentId)}/simulate`,
      { outcome },
      'payment_intent',
    );
    return {
      paymentIntentId: object.id,
      eventId: event.id,
      eventType: event.type,
      status: object.status,
    };
  }

  /**
   * The customer disputes the payment with their bank: the emulator opens a
   * dispute of its charge and sends `charge.dispute.created`.
   */
  async openDispute(
    target: { paymentIntentId: string } | { orderId: string },
    options: { reason?: string; amount?: number } = {},
  ): Promise<DisputeSimulationResult> {
    const paymentIntentId = await this.intentOf(target);
    return disputeResult(
      await this.control(
        `/_emulator/payment_intents/${encodeURIComponent(paymentIntentId)}/dispute`,
        options,
        'dispute',
      ),
    );
  }

  /** The bank decides the dispute: the emulator sends `charge.dispute.closed`. */
  async closeDispute(disputeId: string, outcome: DisputeOutcome): Promise<DisputeSimulationResult> {
    return disputeResult(
      await this.control(
        `/_emulator/disputes/${encodeURIComponent(disputeId)}/close`,
        { outcome },
        'dispute',
      ),
    );
  }

  private async intentOf(
    target: { paymentIntentId: string } | { orderId: string },
  ): Promise<string> {
    return 'paymentIntentId' in target
      ? target.paymentIntentId
      : this.orders.paymentIntentIdOf(target.orderId);
  }

  /**
   * One call to a control route of the emulator the running API hosts: the
   * event it sent, and the object (`field` of its reply) the event is about.
   */
  private async control(
    path: string,
    payload: object,
    field: 'payment_intent' | 'dispute',
  ): Promise<ControlReply> {
    const base = this.host.emulatorUrl;
    if (!base) {
      throw new PaymentSimulationUnavailableError(
        'Payments can be simulated only with the local Stripe emulator (STRIPE_SECRET_KEY unset); with Stripe test mode, pay with a test card or use `stripe trigger`',
      );
    }
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.host.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      });
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
    } & Partial<Record<typeof field, { id: string; status: string }>>;
    const object = body[field];
    if (!response.ok || !body.event || !object) {
      const message = body.error?.message ?? `The emulator answered ${response.status}`;
      if (body.error?.code === 'resource_missing') {
        throw new PaymentNotFoundError(
          `${message}. The emulator keeps its objects in memory: only those created since the API started exist.`,
        );
      }
      if (response.status === 400) throw new PaymentStateConflictError(message, body.error?.code);
      throw new PaymentProviderError(message, 'provider_error');
    }
    return { event: body.event, object };
  }
}
