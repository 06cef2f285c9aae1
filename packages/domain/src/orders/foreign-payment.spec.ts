import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import {
  bookRejectedForeignPayment,
  decideHeldRefund,
  type ForeignPayment,
  foreignRefunded,
  heldForeign,
  ledgerOf,
  noForeignPayment,
} from './foreign-payment.js';
import {
  decideDisputeClosed,
  decideOutsideSettlement,
  type HeldPaymentOrder,
} from './held-payment.js';
import { bookForeignLatePayment, isAwaitingRefund } from './late-payment.js';
import {
  IllegalTransitionError,
  NothingHeldError,
  RefundExceedsPaymentError,
} from './order.errors.js';
import { decideRefund } from './order-refunds.js';

const eur = (amount: number) => Money.of(amount, 'EUR');
const usd = (amount: number) => Money.of(amount, 'USD');

const foreign = (f: Partial<Record<keyof ForeignPayment, number>> = {}): ForeignPayment => ({
  paid: usd(f.paid ?? 3000),
  refunded: usd(f.refunded ?? 0),
  requested: usd(f.requested ?? 0),
  returnedOutside: usd(f.returnedOutside ?? 0),
});

/** A cancelled EUR order that received nothing in EUR and a late payment in USD. */
const anOrder = (held: ForeignPayment | null = foreign()): HeldPaymentOrder => ({
  status: 'cancelled',
  currency: 'EUR',
  paid: eur(0),
  refunded: eur(0),
  requested: eur(0),
  returnedOutside: eur(0),
  foreign: held,
});

describe('ledgerOf', () => {
  test('money in the order’s currency is the order’s; any other is foreign', () => {
    expect(ledgerOf('EUR', eur(1))).toBe('order');
    expect(ledgerOf('EUR', usd(1))).toBe('foreign');
  });
});

describe('bookForeignLatePayment', () => {
  describe('refund requested', () => {
    const booking = bookForeignLatePayment(null, usd(3000), { outcome: 'requested' });
    test('books the payment as paid and asked back, in its own currency', () => {
      expect(booking).toEqual({
        foreign: {
          paid: usd(3000),
          refunded: usd(0),
          requested: usd(3000),
          returnedOutside: usd(0),
        },
        reviewReason: 'paid_after_cancellation',
      });
    });
    test('the order holds nothing: not under review, no admin refund', () => {
      expect(isAwaitingRefund(anOrder(booking.foreign))).toBe(false);
    });
  });

  test('already refunded: keeps a confirmed figure that came first', () => {
    const before = foreignRefunded(null, usd(3000));
    expect(bookForeignLatePayment(before, usd(3000), { outcome: 'already_refunded' })).toEqual({
      foreign: {
        paid: usd(3000),
        refunded: usd(3000),
        requested: usd(3000),
        returnedOutside: usd(0),
      },
      reviewReason: 'paid_after_cancellation',
    });
  });

  describe('refund refused', () => {
    const booking = bookForeignLatePayment(null, usd(3000), {
      outcome: 'refused',
      reason: 'charge_disputed',
    });
    test('held with nothing asked back; the review reason names the foreign amount', () => {
      expect(booking.foreign).toEqual(foreign());
      expect(booking.reviewReason).toBe(
        "late_payment_refund_refused: charge_disputed (3000 USD held, not in the order's currency)",
      );
    });
    test('the order waits for a person, though its own figures hold nothing', () => {
      const order = anOrder(booking.foreign);
      expect(isAwaitingRefund(order)).toBe(true);
      expect(heldForeign(order)).toEqual(usd(3000));
      // An admin refund in the order's currency has nothing to give back.
      expect(() => decideRefund(order, undefined)).toThrow(/cannot become refunded/);
    });
  });

  test('never mixes currencies with a figure already kept in another one', () => {
    expect(() =>
      bookForeignLatePayment(noForeignPayment('GBP'), usd(3000), { outcome: 'requested' }),
    ).toThrow(/cannot combine/);
  });
});

describe('heldForeign', () => {
  test('what is neither refunded, asked back nor returned outside', () => {
    expect(heldForeign(anOrder(foreign({ requested: 1000, returnedOutside: 500 })))).toEqual(
      usd(1500),
    );
  });
  test('none once everything is given back, without a foreign payment, or unless cancelled', () => {
    expect(heldForeign(anOrder(foreign({ requested: 3000 })))).toBeNull();
    expect(heldForeign(anOrder(null))).toBeNull();
    expect(heldForeign({ ...anOrder(), status: 'paid' })).toBeNull();
  });
});

describe('foreignRefunded', () => {
  test('sets the confirmed figure, only upwards, and what was requested follows', () => {
    const after = foreignRefunded(foreign(), usd(1000));
    expect(after).toMatchObject({ refunded: usd(1000), requested: usd(1000) });
    expect(foreignRefunded(after, usd(1000))).toBeNull();
    expect(foreignRefunded(after, usd(500))).toBeNull();
  });
  test('before the payment is booked, starts the figures in the charge’s currency', () => {
    expect(foreignRefunded(null, usd(3000))).toEqual({
      paid: usd(0),
      refunded: usd(3000),
      requested: usd(3000),
      returnedOutside: usd(0),
    });
  });
});

describe('bookRejectedForeignPayment', () => {
  test('paid and asked back in its own currency, once', () => {
    const booked = bookRejectedForeignPayment(null, usd(3000));
    expect(booked).toMatchObject({ paid: usd(3000), requested: usd(3000) });
    expect(bookRejectedForeignPayment(booked, usd(3000))).toBe(booked);
  });
});

describe('a foreign payment held by a cancelled order', () => {
  const dispute = (status: string, amount: Money) => ({
    id: 'dp_1',
    status,
    reason: 'fraudulent',
    amount,
  });

  test('a lost dispute in its currency returns it there, never in the order’s figures', () => {
    const step = decideDisputeClosed(anOrder(), dispute('lost', usd(1000)));
    expect(step).toMatchObject({
      kind: 'returned',
      ledger: 'foreign',
      returnedOutside: usd(1000),
      reviewReason: 'late_payment_charged_back: fraudulent',
    });
  });
  test('a lost dispute never returns more than is held in that currency', () => {
    expect(
      decideDisputeClosed(anOrder(foreign({ requested: 2000 })), dispute('lost', usd(3000))),
    ).toMatchObject({ ledger: 'foreign', returnedOutside: usd(1000) });
  });
  test('a lost dispute in a third currency only records it', () => {
    expect(decideDisputeClosed(anOrder(), dispute('lost', Money.of(3000, 'GBP')))).toMatchObject({
      kind: 'recorded',
    });
  });
  test('a lost dispute in the order’s currency does not touch the foreign money', () => {
    expect(decideDisputeClosed(anOrder(), dispute('lost', eur(3000)))).toMatchObject({
      kind: 'recorded',
    });
  });
  test('a won dispute leaves it held and says it is still owed', () => {
    const step = decideDisputeClosed(anOrder(), dispute('won', usd(3000)));
    expect(step).toMatchObject({ kind: 'recorded' });
    if (step.kind !== 'recorded') throw new Error('recorded expected');
    expect(step.entry.cause).toMatch(/still owed$/);
  });

  describe('settled outside the shop', () => {
    const s = decideOutsideSettlement(anOrder(), 'admin-1', 'paid back by transfer');
    test('in its own currency; the order’s figures stay as they were', () => {
      expect(s).toMatchObject({
        returnedOutside: eur(0),
        foreignReturnedOutside: usd(3000),
        reviewReason: 'late_payment_settled_outside',
      });
      expect(s.entry.cause).toBe(
        'settled_outside_shop_by:admin-1 (3000 USD): paid back by transfer',
      );
    });
    test('the order then holds nothing and a second settlement is refused', () => {
      const after = anOrder({ ...foreign(), returnedOutside: usd(3000) });
      expect(isAwaitingRefund(after)).toBe(false);
      expect(() => decideOutsideSettlement(after, 'admin-1', 'again')).toThrow(NothingHeldError);
    });
    test('money held in both currencies is settled in each', () => {
      const both = { ...anOrder(), paid: eur(1000) };
      const settled = decideOutsideSettlement(both, 'cli', 'agreed');
      expect(settled).toMatchObject({
        returnedOutside: eur(1000),
        foreignReturnedOutside: usd(3000),
      });
      expect(settled.entry.cause).toBe('settled_outside_shop_by:cli (1000 EUR, 3000 USD): agreed');
    });
  });
});

describe('decideHeldRefund', () => {
  test('without an amount: the foreign payment, in its currency, once the order holds none of its own', () => {
    expect(decideHeldRefund(anOrder(foreign({ requested: 1000 })), undefined)).toEqual({
      ledger: 'foreign',
      amount: usd(2000),
    });
  });
  test('without an amount: the order’s own money first', () => {
    expect(decideHeldRefund({ ...anOrder(), paid: eur(500) }, undefined)).toEqual({
      ledger: 'order',
      amount: eur(500),
    });
  });
  test('an amount in the foreign currency refunds the foreign payment, within what it holds', () => {
    expect(decideHeldRefund(anOrder(), usd(1000))).toEqual({
      ledger: 'foreign',
      amount: usd(1000),
    });
    expect(() => decideHeldRefund(anOrder(), usd(3001))).toThrow(RefundExceedsPaymentError);
  });
  test('an amount in the order’s currency, which it does not hold, is refused', () => {
    expect(() => decideHeldRefund(anOrder(), eur(100))).toThrow(IllegalTransitionError);
  });
  test('nothing held in either currency: refused as before', () => {
    expect(() => decideHeldRefund(anOrder(foreign({ requested: 3000 })), undefined)).toThrow(
      IllegalTransitionError,
    );
    expect(() => decideHeldRefund(anOrder(null), undefined)).toThrow(IllegalTransitionError);
  });
  test('a paid order is refunded in its own figures, as before', () => {
    const paid = { ...anOrder(null), status: 'paid' as const, paid: eur(3000) };
    expect(decideHeldRefund(paid, undefined)).toEqual({ ledger: 'order', amount: eur(3000) });
  });
});
