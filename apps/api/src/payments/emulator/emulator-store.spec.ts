import { describe, expect, test } from '@jest/globals';

import { EmulatorError, EmulatorStore } from './emulator-store.js';

const anIntent = (store: EmulatorStore, amount = '1000') =>
  store.createIntent({ amount, currency: 'EUR', metadata: { orderId: 'o-1' } });

function stripeError(fn: () => unknown): EmulatorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EmulatorError) return error;
    throw error;
  }
  throw new Error('expected a Stripe error');
}

describe('EmulatorStore', () => {
  describe('createIntent', () => {
    test('refuses a missing, fractional or zero amount as Stripe does', () => {
      const store = new EmulatorStore();
      expect(stripeError(() => store.createIntent({ currency: 'eur' }))).toMatchObject({
        status: 400,
        code: 'parameter_missing',
        param: 'amount',
      });
      expect(stripeError(() => store.createIntent({ amount: '12.5', currency: 'eur' })).code).toBe(
        'parameter_invalid_integer',
      );
      expect(stripeError(() => store.createIntent({ amount: '0', currency: 'eur' })).code).toBe(
        'amount_too_small',
      );
    });

    test('refuses more than 8 digits of minor units as Stripe does, making no intent', () => {
      const store = new EmulatorStore();
      expect(
        stripeError(() => store.createIntent({ amount: '100000000', currency: 'eur' })),
      ).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        code: 'amount_too_large',
        param: 'amount',
      });
      expect(store.listIntents()).toEqual([]);
      expect(anIntent(store, '99999999').amount).toBe(99_999_999);
    });

    test("refuses less than Stripe's minimum charge of the currency, making no intent", () => {
      const store = new EmulatorStore();
      for (const [amount, currency] of [
        ['49', 'eur'],
        ['29', 'GBP'],
        ['49', 'jpy'],
      ] as const) {
        expect(stripeError(() => store.createIntent({ amount, currency }))).toMatchObject({
          status: 400,
          type: 'invalid_request_error',
          code: 'amount_too_small',
          param: 'amount',
        });
      }
      expect(store.listIntents()).toEqual([]);
      expect(store.createIntent({ amount: '50', currency: 'eur' }).amount).toBe(50);
      expect(store.createIntent({ amount: '30', currency: 'gbp' }).amount).toBe(30);
      // A currency without a minimum of its own: one minor unit.
      expect(store.createIntent({ amount: '1', currency: 'isk' }).amount).toBe(1);
    });

    test('lower-cases the currency and keeps metadata as strings', () => {
      const intent = anIntent(new EmulatorStore());
      expect(intent).toMatchObject({ currency: 'eur', metadata: { orderId: 'o-1' }, amount: 1000 });
    });
  });

  describe('simulate', () => {
    test('a declined attempt leaves the intent payable; a second card can succeed', () => {
      const store = new EmulatorStore();
      const intent = anIntent(store);
      const failed = store.simulate(intent.id, 'failed');
      expect(failed.intent.status).toBe('requires_payment_method');
      expect(failed.intent.last_payment_error?.code).toBe('card_declined');
      expect(failed.charge).toMatchObject({ status: 'failed', paid: false, amount_captured: 0 });

      const paid = store.simulate(intent.id, 'succeeded');
      expect(paid.intent).toMatchObject({
        status: 'succeeded',
        amount_received: 1000,
        last_payment_error: null,
      });
      expect(paid.intent.latest_charge).toBe(paid.charge.id);
    });

    test('a paid or cancelled intent cannot be paid again', () => {
      const store = new EmulatorStore();
      const paid = anIntent(store);
      store.simulate(paid.id, 'succeeded');
      expect(stripeError(() => store.simulate(paid.id, 'succeeded')).code).toBe(
        'payment_intent_unexpected_state',
      );
      const cancelled = anIntent(store);
      store.cancelIntent(cancelled.id, {});
      expect(stripeError(() => store.simulate(cancelled.id, 'failed')).code).toBe(
        'payment_intent_unexpected_state',
      );
    });
  });

  describe('createRefund', () => {
    test('refunds by charge id as well, and never past what was captured', () => {
      const store = new EmulatorStore();
      const intent = anIntent(store, '600');
      const { charge } = store.simulate(intent.id, 'succeeded');
      store.createRefund({ charge: charge.id, amount: '400' });
      expect(
        stripeError(() => store.createRefund({ charge: charge.id, amount: '201' })),
      ).toMatchObject({
        code: 'amount_too_large',
        param: 'amount',
      });
      const rest = store.createRefund({ payment_intent: intent.id });
      expect(rest.refund.amount).toBe(200);
      expect(rest.charge).toMatchObject({ amount_refunded: 600, refunded: true });
    });

    test('a charge refunded in full refuses another refund with charge_already_refunded', () => {
      const store = new EmulatorStore();
      const intent = anIntent(store, '600');
      store.simulate(intent.id, 'succeeded');
      store.createRefund({ payment_intent: intent.id });
      const error = stripeError(() => store.createRefund({ payment_intent: intent.id }));
      expect(error).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
      });
    });
  });

  describe('failRefund', () => {
    test('marks the refund failed and puts its amount back on the charge, once', () => {
      const store = new EmulatorStore();
      const intent = anIntent(store, '600');
      const { charge } = store.simulate(intent.id, 'succeeded');
      const { refund } = store.createRefund({ payment_intent: intent.id });
      expect(charge.refunded).toBe(true);

      const failed = store.failRefund(refund.id);
      expect(failed.refund).toMatchObject({
        status: 'failed',
        failure_reason: 'expired_or_canceled_card',
      });
      expect(failed.charge).toMatchObject({ amount_refunded: 0, refunded: false });
      expect(stripeError(() => store.failRefund(refund.id)).status).toBe(400);
      expect(store.createRefund({ payment_intent: intent.id }).refund.amount).toBe(600);
    });
  });

  describe('cancelRefund', () => {
    test('marks the refund canceled and puts its amount back on the charge, once', () => {
      const store = new EmulatorStore();
      const intent = anIntent(store, '600');
      store.simulate(intent.id, 'succeeded');
      const { refund } = store.createRefund({ payment_intent: intent.id });

      const canceled = store.cancelRefund(refund.id);
      expect(canceled.refund).toMatchObject({
        status: 'canceled',
        failure_reason: 'merchant_request',
      });
      expect(canceled.charge).toMatchObject({ amount_refunded: 0, refunded: false });
      expect(stripeError(() => store.cancelRefund(refund.id)).status).toBe(400);
      expect(stripeError(() => store.failRefund(refund.id)).status).toBe(400);
      expect(store.createRefund({ payment_intent: intent.id }).refund.amount).toBe(600);
    });
  });

  describe('disputes', () => {
    const aPaidIntent = (store: EmulatorStore) => {
      const intent = anIntent(store);
      store.simulate(intent.id, 'succeeded');
      return intent;
    };

    test('openDispute disputes what is not refunded, fraudulent unless told; the charge can then not be refunded', () => {
      const store = new EmulatorStore();
      const intent = aPaidIntent(store);
      store.createRefund({ payment_intent: intent.id, amount: '300' });
      const dispute = store.openDispute(intent.id, {});
      expect(dispute).toMatchObject({
        object: 'dispute',
        amount: 700,
        currency: 'eur',
        reason: 'fraudulent',
        status: 'needs_response',
        payment_intent: intent.id,
        charge: intent.latest_charge,
      });
      expect(stripeError(() => store.createRefund({ payment_intent: intent.id })).code).toBe(
        'charge_disputed',
      );
      expect(stripeError(() => store.openDispute(intent.id, {})).code).toBe('charge_disputed');
    });

    test('refuses an intent not paid, an unknown reason, an amount over what is disputable', () => {
      const store = new EmulatorStore();
      expect(stripeError(() => store.openDispute(anIntent(store).id, {})).status).toBe(400);
      const intent = aPaidIntent(store);
      expect(stripeError(() => store.openDispute(intent.id, { reason: 'bored' })).param).toBe(
        'reason',
      );
      expect(stripeError(() => store.openDispute(intent.id, { amount: '1001' })).param).toBe(
        'amount',
      );
    });

    test('closeDispute: lost keeps the charge unrefundable, won makes it refundable; closing twice is refused', () => {
      const store = new EmulatorStore();
      const lost = aPaidIntent(store);
      const l = store.openDispute(lost.id, {});
      expect(store.closeDispute(l.id, 'lost')).toMatchObject({ status: 'lost' });
      expect(stripeError(() => store.createRefund({ payment_intent: lost.id })).code).toBe(
        'charge_disputed',
      );
      expect(stripeError(() => store.closeDispute(l.id, 'won')).code).toBe(
        'dispute_already_closed',
      );

      const won = aPaidIntent(store);
      const w = store.openDispute(won.id, { amount: '400', reason: 'product_not_received' });
      expect(store.closeDispute(w.id, 'won')).toMatchObject({ status: 'won', amount: 400 });
      expect(store.createRefund({ payment_intent: won.id }).refund.amount).toBe(1000);
      expect(store.retrieveDispute(w.id).is_charge_refundable).toBe(true);
    });
  });

  describe('listRefunds', () => {
    const aPaidIntent = (store: EmulatorStore) => {
      const intent = anIntent(store);
      store.simulate(intent.id, 'succeeded');
      return intent;
    };

    test("lists a payment's refunds newest first with their metadata, a page at a time", () => {
      const store = new EmulatorStore();
      const intent = aPaidIntent(store);
      const other = aPaidIntent(store);
      const first = store.createRefund({
        payment_intent: intent.id,
        amount: '100',
        metadata: { refundBooking: 'refund-a' },
      }).refund;
      store.createRefund({ payment_intent: other.id, amount: '100' });
      const second = store.createRefund({ payment_intent: intent.id, amount: '200' }).refund;

      const all = store.listRefunds({ payment_intent: intent.id });
      expect(all.data.map((r) => r.id)).toEqual([second.id, first.id]);
      expect(all.data[1]!.metadata).toEqual({ refundBooking: 'refund-a' });
      expect(all.has_more).toBe(false);

      const page = store.listRefunds({ payment_intent: intent.id, limit: '1' });
      expect(page.data.map((r) => r.id)).toEqual([second.id]);
      expect(page.has_more).toBe(true);
      const next = store.listRefunds({
        payment_intent: intent.id,
        limit: '1',
        starting_after: second.id,
      });
      expect(next.data.map((r) => r.id)).toEqual([first.id]);
      expect(next.has_more).toBe(false);
    });

    test('a payment it does not know → 404, as Stripe', () => {
      expect(
        stripeError(() => new EmulatorStore().listRefunds({ payment_intent: 'pi_nope' })),
      ).toMatchObject({ status: 404, code: 'resource_missing' });
    });
  });
});
