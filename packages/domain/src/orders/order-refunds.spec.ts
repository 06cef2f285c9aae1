import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import {
  IllegalTransitionError,
  NothingLeftToShipForError,
  RefundExceedsPaymentError,
} from './order.errors.js';
import {
  assertMoneyLeftToShipFor,
  decideRefund,
  refundedOrAsked,
  unrefundedRest,
} from './order-refunds.js';
import type { OrderStatus } from './order-status.js';
import { aRefundableOrder } from './refundable-order.fixture.js';

const eur = (amount: number) => Money.of(amount, 'EUR');
const anOrder = aRefundableOrder;

describe('refundedOrAsked', () => {
  test('what was asked while its refunds are in flight', () => {
    expect(refundedOrAsked(anOrder('paid', { refunded: 500, requested: 1500 })).amount).toBe(1500);
  });
  test('what came back when more came back than was asked', () => {
    expect(refundedOrAsked(anOrder('paid', { refunded: 1200, requested: 0 })).amount).toBe(1200);
  });
});

describe('unrefundedRest', () => {
  test('the payment less refunds in flight', () => {
    expect(unrefundedRest(anOrder('paid', { requested: 1000 })).amount).toBe(2000);
  });
  test('the payment less confirmed refunds never asked through the shop', () => {
    expect(unrefundedRest(anOrder('paid', { refunded: 1200, requested: 0 })).amount).toBe(1800);
  });
});

describe('decideRefund', () => {
  describe.each<OrderStatus>(['paid', 'fulfilled', 'partially_refunded'])('from %s', (status) => {
    test('without an amount, everything not yet refunded', () => {
      expect(decideRefund(anOrder(status, { requested: 500 }), undefined).amount).toBe(2500);
    });
    test('an amount up to the rest', () => {
      expect(decideRefund(anOrder(status, { requested: 500 }), eur(2500)).amount).toBe(2500);
    });
    test('refuses more than the rest with a 422 error', () => {
      expect(() => decideRefund(anOrder(status, { requested: 500 }), eur(2501))).toThrow(
        RefundExceedsPaymentError,
      );
    });
  });

  describe('from cancelled', () => {
    test('holding a payment whose refund failed: everything not yet refunded', () => {
      expect(decideRefund(anOrder('cancelled'), undefined).amount).toBe(3000);
    });
    test('holding part of it: an amount up to what it holds', () => {
      const order = anOrder('cancelled', { refunded: 1000, requested: 1000 });
      expect(decideRefund(order, eur(2000)).amount).toBe(2000);
      expect(() => decideRefund(order, eur(2001))).toThrow(RefundExceedsPaymentError);
    });
    test('refuses when the refund of all of it is in flight', () => {
      expect(() => decideRefund(anOrder('cancelled', { requested: 3000 }), undefined)).toThrow(
        IllegalTransitionError,
      );
    });
    test('refuses when all of it was refunded', () => {
      const order = anOrder('cancelled', { refunded: 3000, requested: 3000 });
      expect(() => decideRefund(order, eur(1))).toThrow(IllegalTransitionError);
    });
    test('refuses when nothing was ever paid', () => {
      expect(() => decideRefund(anOrder('cancelled', { paid: 0 }), undefined)).toThrow(
        IllegalTransitionError,
      );
    });
  });

  describe.each<OrderStatus>(['pending_payment', 'refunded'])('from %s', (status) => {
    test('refuses even with money not yet refunded', () => {
      expect(() => decideRefund(anOrder(status), undefined)).toThrow(IllegalTransitionError);
    });
  });
});

describe('assertMoneyLeftToShipFor', () => {
  test('a paid order with no refund asked, or only part of it, may ship', () => {
    expect(() => assertMoneyLeftToShipFor('o', anOrder('paid'))).not.toThrow();
    expect(() => assertMoneyLeftToShipFor('o', anOrder('paid', { requested: 2999 }))).not.toThrow();
  });
  test('a full refund in flight, or confirmed before the status caught up: nothing to ship for', () => {
    expect(() => assertMoneyLeftToShipFor('o', anOrder('paid', { requested: 3000 }))).toThrow(
      NothingLeftToShipForError,
    );
    expect(() => assertMoneyLeftToShipFor('o', anOrder('paid', { refunded: 3000 }))).toThrow(
      NothingLeftToShipForError,
    );
  });
  test('money returned outside the shop (a lost chargeback) counts as given back', () => {
    expect(() =>
      assertMoneyLeftToShipFor('o', { ...anOrder('paid'), returnedOutside: eur(3000) }),
    ).toThrow(NothingLeftToShipForError);
  });
});
