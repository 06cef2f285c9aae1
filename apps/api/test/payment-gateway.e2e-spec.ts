import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  InvalidRefundAmountError,
  Money,
  PaymentAmountTooLargeError,
  PaymentAmountTooSmallError,
  PaymentNotFoundError,
  PaymentProviderError,
  PaymentStateConflictError,
} from '@minishop/domain';
import { Controller, Get, Param, Post } from '@nestjs/common';
import Stripe from 'stripe';

import { StripeEmulatorHost } from '../src/payments/emulator/stripe-emulator.host.js';
import { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import { PaymentGateway } from '../src/payments/payment-gateway.js';
import { StripeClient } from '../src/payments/stripe/stripe-client.provider.js';
import { StripePaymentGateway } from '../src/payments/stripe/stripe-payment-gateway.js';
import { webhooksToThisApp } from './support/emulator.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const eur = (amount: number) => Money.of(amount, 'EUR');
let keys = 0;
const key = () => `test-key-${Date.now()}-${keys++}`;

/** A route that asks the gateway for an intent, to see how its errors reach a client. */
@Controller('probe/payments')
class PaymentProbeController {
  constructor(private readonly gateway: PaymentGateway) {}

  @Get(':id')
  async show(@Param('id') id: string) {
    const intent = await this.gateway.retrieveIntent(id);
    return { id: intent.id };
  }

  @Post('intents/:amount')
  async create(@Param('amount') amount: string) {
    const intent = await this.gateway.createIntent({
      orderId: `order-probe-${amount}`,
      amount: Money.of(Number(amount), 'EUR'),
      idempotencyKey: `probe-${amount}-${Date.now()}`,
    });
    return { id: intent.id };
  }
}

/** A gateway's client that is the given SDK client, already made. */
const clientOf = (stripe: Stripe) => new StripeClient(() => Promise.resolve(stripe));

describe('StripePaymentGateway through the Stripe SDK against the local emulator', () => {
  let t: TestApp;
  let gateway: PaymentGateway;
  let emulator: StripeEmulator;

  beforeAll(async () => {
    t = await startTestApp({ controllers: [PaymentProbeController] });
    gateway = t.get(PaymentGateway);
    ({ emulator } = await webhooksToThisApp(t));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A paid intent, as after the customer's card went through. */
  async function paidIntent(amount: number) {
    const intent = await gateway.createIntent({
      orderId: `order-${amount}`,
      amount: eur(amount),
      idempotencyKey: key(),
    });
    emulator.simulate(intent.id, 'succeeded');
    return intent;
  }

  test('the adapter is the Stripe one, pointed at the emulator', () => {
    expect(gateway).toBeInstanceOf(StripePaymentGateway);
    expect(t.get(StripeEmulatorHost).target).toEqual({
      host: '127.0.0.1',
      port: emulator.port,
      protocol: 'http',
    });
  });

  test('the SDK reaches the emulator of its own process in-process, sharing state with its HTTP face', async () => {
    const client = await t.get(StripeClient).get();
    expect(client.getApiField('httpClient').getClientName()).toBe('minishop-in-process');
    const made = await gateway.createIntent({
      orderId: 'order-in-process',
      amount: eur(4321),
      idempotencyKey: key(),
    });
    const overHttp = new Stripe(t.get(StripeEmulatorHost).apiKey, {
      host: '127.0.0.1',
      port: emulator.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const seen = await overHttp.paymentIntents.retrieve(made.id);
    expect(seen).toMatchObject({ id: made.id, amount: 4321, currency: 'eur' });
    expect(seen.client_secret).toBe(made.clientSecret);
  });

  test('createIntent returns a Stripe-shaped intent awaiting payment', async () => {
    const intent = await gateway.createIntent({
      orderId: 'order-1',
      amount: eur(1299),
      idempotencyKey: key(),
      metadata: { customer: 'c-1' },
    });
    expect(intent.id).toMatch(/^pi_\w{24}$/);
    expect(intent.clientSecret).toMatch(new RegExp(`^${intent.id}_secret_\\w+$`));
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.amount.equals(eur(1299))).toBe(true);

    const details = await gateway.retrieveIntent(intent.id);
    expect(details.metadata).toEqual({ customer: 'c-1', orderId: 'order-1' });
    expect(details.amountReceived.isZero()).toBe(true);
    expect(details.latestChargeId).toBeNull();
  });

  test('the same idempotency key replays the first intent; with other parameters it conflicts', async () => {
    const k = key();
    const first = await gateway.createIntent({
      orderId: 'o-2',
      amount: eur(500),
      idempotencyKey: k,
    });
    const again = await gateway.createIntent({
      orderId: 'o-2',
      amount: eur(500),
      idempotencyKey: k,
    });
    expect(again.id).toBe(first.id);
    expect(again.clientSecret).toBe(first.clientSecret);
    await expect(
      gateway.createIntent({ orderId: 'o-2', amount: eur(501), idempotencyKey: k }),
    ).rejects.toBeInstanceOf(PaymentStateConflictError);
  });

  test('retrieveIntent of an unknown id is PaymentNotFoundError', async () => {
    await expect(gateway.retrieveIntent('pi_doesnotexist000000000000')).rejects.toBeInstanceOf(
      PaymentNotFoundError,
    );
  });

  test('cancelIntent cancels an unpaid intent; a paid one cannot be cancelled', async () => {
    const intent = await gateway.createIntent({
      orderId: 'o-3',
      amount: eur(700),
      idempotencyKey: key(),
    });
    const cancelled = await gateway.cancelIntent(intent.id, key());
    expect(cancelled.status).toBe('canceled');
    expect((await gateway.retrieveIntent(intent.id)).status).toBe('canceled');

    const paid = await paidIntent(800);
    await expect(gateway.cancelIntent(paid.id)).rejects.toMatchObject({
      constructor: PaymentStateConflictError,
      providerCode: 'payment_intent_unexpected_state',
    });
  });

  test('undeliveredEvents lists the events whose webhook did not arrive, newest first, from a page on', async () => {
    const delivered = await gateway.createIntent({
      orderId: 'o-delivered',
      amount: eur(940),
      idempotencyKey: key(),
    });
    const arrived = emulator.simulate(delivered.id, 'succeeded');
    await expect(emulator.delivery(arrived.id)).resolves.toMatchObject({ delivered: true });

    const reachable = emulator.webhookUrl;
    // Nothing listens on the discard port: every delivery fails and is retried.
    emulator.webhookUrl = 'http://127.0.0.1:9/webhooks/stripe';
    try {
      const missed: string[] = [];
      for (const amount of [910, 920, 930]) {
        const intent = await gateway.createIntent({
          orderId: `o-missed-${amount}`,
          amount: eur(amount),
          idempotencyKey: key(),
        });
        missed.push(emulator.simulate(intent.id, 'succeeded').id);
      }

      const since = new Date(Date.now() - 60_000);
      const types = ['payment_intent.succeeded'];
      const idsOf = (page: { events: unknown[] }) =>
        page.events.map((e) => (e as { id: string }).id);
      const listed = idsOf(await gateway.undeliveredEvents({ since, types }));
      expect(listed.filter((id) => missed.includes(id))).toEqual([...missed].reverse());
      expect(listed).not.toContain(arrived.id);

      const older = idsOf(
        await gateway.undeliveredEvents({ since, types, startingAfter: missed[1] }),
      );
      expect(older).toContain(missed[0]);
      expect(older).not.toContain(missed[2]);
      const later = await gateway.undeliveredEvents({
        since: new Date(Date.now() + 60_000),
        types,
      });
      expect(later).toEqual({ events: [], hasMore: false });
      const otherTypes = await gateway.undeliveredEvents({ since, types: ['charge.refunded'] });
      expect(idsOf(otherTypes).filter((id) => missed.includes(id))).toEqual([]);
    } finally {
      emulator.webhookUrl = reachable;
    }
  });

  test('a paid intent shows what was received and its charge', async () => {
    const paid = await paidIntent(1000);
    const details = await gateway.retrieveIntent(paid.id);
    expect(details.status).toBe('succeeded');
    expect(details.amountReceived.equals(eur(1000))).toBe(true);
    expect(details.latestChargeId).toMatch(/^ch_/);
  });

  test('a payment over 8 digits of minor units is refused as too large, not as a state conflict; 99,999,999 is taken', async () => {
    await expect(
      gateway.createIntent({
        orderId: 'o-too-large',
        amount: eur(100_000_000),
        idempotencyKey: key(),
      }),
    ).rejects.toBeInstanceOf(PaymentAmountTooLargeError);
    const largest = await gateway.createIntent({
      orderId: 'o-largest',
      amount: eur(99_999_999),
      idempotencyKey: key(),
    });
    expect(largest.amount.equals(eur(99_999_999))).toBe(true);
  });

  test("a payment under Stripe's minimum charge is refused as too small, not as the provider failing; the minimum is taken", async () => {
    await expect(
      gateway.createIntent({ orderId: 'o-too-small', amount: eur(49), idempotencyKey: key() }),
    ).rejects.toBeInstanceOf(PaymentAmountTooSmallError);
    const smallest = await gateway.createIntent({
      orderId: 'o-smallest',
      amount: eur(50),
      idempotencyKey: key(),
    });
    expect(smallest.amount.equals(eur(50))).toBe(true);
  });

  test('partial then full refunds, then nothing is left to refund', async () => {
    const paid = await paidIntent(1299);
    const part = await gateway.refund({
      paymentIntentId: paid.id,
      amount: eur(300),
      idempotencyKey: key(),
    });
    expect(part.id).toMatch(/^re_/);
    expect(part.status).toBe('succeeded');
    expect(part.amount.equals(eur(300))).toBe(true);

    const rest = await gateway.refund({ paymentIntentId: paid.id, idempotencyKey: key() });
    expect(rest.amount.equals(eur(999))).toBe(true);

    const chargeId = (await gateway.retrieveIntent(paid.id)).latestChargeId ?? '';
    const charge = emulator.store.retrieveCharge(chargeId);
    expect(charge.amount_refunded).toBe(1299);
    expect(charge.refunded).toBe(true);

    await expect(
      gateway.refund({ paymentIntentId: paid.id, amount: eur(1), idempotencyKey: key() }),
    ).rejects.toMatchObject({
      constructor: PaymentStateConflictError,
      providerCode: 'charge_already_refunded',
    });
  });

  test('refunding more than was captured is refused and refunds nothing', async () => {
    const paid = await paidIntent(500);
    await expect(
      gateway.refund({ paymentIntentId: paid.id, amount: eur(501), idempotencyKey: key() }),
    ).rejects.toMatchObject({
      constructor: PaymentStateConflictError,
      providerCode: 'amount_too_large',
    });
    const chargeId = (await gateway.retrieveIntent(paid.id)).latestChargeId ?? '';
    expect(emulator.store.retrieveCharge(chargeId).amount_refunded).toBe(0);
  });

  test('refunding an unpaid intent is refused; a non-positive amount never reaches Stripe', async () => {
    const unpaid = await gateway.createIntent({
      orderId: 'o-4',
      amount: eur(400),
      idempotencyKey: key(),
    });
    await expect(
      gateway.refund({ paymentIntentId: unpaid.id, idempotencyKey: key() }),
    ).rejects.toBeInstanceOf(PaymentStateConflictError);
    await expect(
      gateway.refund({ paymentIntentId: unpaid.id, amount: eur(0), idempotencyKey: key() }),
    ).rejects.toBeInstanceOf(InvalidRefundAmountError);
  });

  test('a replayed refund key returns the same refund and moves money once', async () => {
    const paid = await paidIntent(900);
    const k = key();
    const first = await gateway.refund({
      paymentIntentId: paid.id,
      amount: eur(200),
      idempotencyKey: k,
    });
    const again = await gateway.refund({
      paymentIntentId: paid.id,
      amount: eur(200),
      idempotencyKey: k,
    });
    expect(again.id).toBe(first.id);
    const chargeId = (await gateway.retrieveIntent(paid.id)).latestChargeId ?? '';
    expect(emulator.store.retrieveCharge(chargeId).amount_refunded).toBe(200);
  });

  test('a wrong API key is an authentication PaymentProviderError', async () => {
    const wrong = new StripePaymentGateway(
      clientOf(
        new Stripe('sk_test_not_the_right_key', {
          host: '127.0.0.1',
          port: emulator.port,
          protocol: 'http',
          maxNetworkRetries: 0,
        }),
      ),
    );
    await expect(
      wrong.createIntent({ orderId: 'o-5', amount: eur(100), idempotencyKey: key() }),
    ).rejects.toMatchObject({ constructor: PaymentProviderError, reason: 'authentication' });
  });

  test('an unreachable provider is an unreachable PaymentProviderError', async () => {
    const other = await StripeEmulator.start({
      apiKey: 'sk_test_x',
      webhookSecret: 'whsec_x',
      webhookUrl: 'http://127.0.0.1:9/',
      port: 0,
    });
    const port = other.port;
    await other.close();
    const down = new StripePaymentGateway(
      clientOf(
        new Stripe('sk_test_x', {
          host: '127.0.0.1',
          port,
          protocol: 'http',
          maxNetworkRetries: 0,
        }),
      ),
    );
    await expect(down.retrieveIntent('pi_x')).rejects.toMatchObject({
      constructor: PaymentProviderError,
      reason: 'unreachable',
    });
  });

  test('gateway errors reach clients as problems: unknown intent 404, amount too large 422, provider down 503', async () => {
    const missing = await t.http.get('/api/v1/probe/payments/pi_missing000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.type).toMatch(/\/payment-not-found$/);

    // One no retry could ever get paid: 422, not a 409 that invites retrying.
    const tooLarge = await t.http.post('/api/v1/probe/payments/intents/100000000');
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.type).toMatch(/\/payment-amount-too-large$/);

    // Last test of the file: the emulator stays down.
    await emulator.close();
    const down = await t.http.get('/api/v1/probe/payments/pi_any');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.body.type).toMatch(/\/payment-provider-unavailable$/);
    expect(down.body.detail).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });
});
