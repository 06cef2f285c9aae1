import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import {
  decideDisputeClosed,
  decideDisputeOpened,
  decideOutsideSettlement,
  type DisputeFacts,
  type HeldPaymentOrder,
} from './held-payment.js';
import { isAwaitingRefund } from './late-payment.js';
import { NothingHeldError, SettlementNoteRequiredError } from './order.errors.js';
import { decideRefund } from './order-refunds.js';
import type { OrderStatus } from './order-status.js';
import { decidePaymentReview } from './payment-review.js';

const eur = (amount: number) => Money.of(amount, 'EUR');

/** A cancelled order of 30.00 EUR paid late, its refund refused: all of it held. */
const held = (
  figures: { status?: OrderStatus; paid?: number; requested?: number; returned?: number } = {},
): HeldPaymentOrder => ({
  status: figures.status ?? 'cancelled',
  currency: 'EUR',
  paid: eur(figures.paid ?? 3000),
  refunded: eur(0),
  requested: eur(figures.requested ?? 0),
  ...(figures.returned !== undefined ? { returnedOutside: eur(figures.returned) } : {}),
});

const dispute = (status: string, amount = eur(3000)): DisputeFacts => ({
  id: 'dp_1',
  status,
  reason: 'fraudulent',
  amount,
});

describe('decideDisputeClosed', () => {
  describe('lost', () => {
    const step = decideDisputeClosed(held(), dispute('lost'));
    test('counts the disputed amount as returned and names the chargeback', () => {
      expect(step).toMatchObject({
        kind: 'returned',
        returnedOutside: eur(3000),
        reviewReason: 'late_payment_charged_back: fraudulent',
        entry: { from: 'cancelled', to: 'cancelled' },
      });
      if (step.kind !== 'returned') throw new Error('returned expected');
      expect(step.entry.cause).toMatch(
        /^charge\.dispute\.closed: lost \(fraudulent.*dp_1\).*3000 EUR/,
      );
    });
    test('the order then holds nothing: off the review list, and no admin refund', () => {
      if (step.kind !== 'returned') throw new Error('returned expected');
      const after = { ...held(), returnedOutside: step.returnedOutside };
      expect(isAwaitingRefund(after)).toBe(false);
      expect(() => decideRefund(after, undefined)).toThrow(/cannot become refunded/);
    });
    test('a partial dispute returns only its amount; the rest stays held and refundable', () => {
      const partial = decideDisputeClosed(held(), dispute('lost', eur(1000)));
      expect(partial).toMatchObject({ kind: 'returned', returnedOutside: eur(1000) });
      if (partial.kind !== 'returned') throw new Error('returned expected');
      const after = { ...held(), returnedOutside: partial.returnedOutside };
      expect(isAwaitingRefund(after)).toBe(true);
      expect(decideRefund(after, undefined)).toEqual(eur(2000));
    });
    test('never counts more than the order still holds', () => {
      expect(decideDisputeClosed(held({ requested: 1000 }), dispute('lost'))).toMatchObject({
        returnedOutside: eur(2000),
      });
    });
    test('an order that holds nothing (settled already) only records it', () => {
      expect(decideDisputeClosed(held({ returned: 3000 }), dispute('lost'))).toMatchObject({
        kind: 'recorded',
      });
    });
    test('a dispute in another currency than the order only records it', () => {
      expect(decideDisputeClosed(held(), dispute('lost', Money.of(3000, 'USD')))).toMatchObject({
        kind: 'recorded',
      });
    });
  });

  describe('won', () => {
    test('records it; the money is held again and the order stays under review', () => {
      const step = decideDisputeClosed(held(), dispute('won'));
      expect(step).toMatchObject({ kind: 'recorded' });
      if (step.kind !== 'recorded') throw new Error('recorded expected');
      expect(step.entry.cause).toMatch(/^charge\.dispute\.closed: won .*still owed$/);
      expect(isAwaitingRefund(held())).toBe(true);
    });
    test('an inquiry closed without a chargeback is recorded the same way', () => {
      expect(decideDisputeClosed(held(), dispute('warning_closed'))).toMatchObject({
        kind: 'recorded',
      });
    });
  });

  test('a dispute of an order that is not cancelled is ignored', () => {
    expect(decideDisputeClosed(held({ status: 'paid' }), dispute('lost'))).toEqual({
      kind: 'ignored',
    });
    expect(decideDisputeOpened(held({ status: 'fulfilled' }), dispute('needs_response'))).toEqual({
      kind: 'ignored',
    });
  });
});

describe('decideDisputeOpened', () => {
  test('records the dispute on a cancelled order; nothing moves', () => {
    const step = decideDisputeOpened(held(), dispute('needs_response'));
    expect(step).toMatchObject({ kind: 'recorded', entry: { from: 'cancelled', to: 'cancelled' } });
    if (step.kind !== 'recorded') throw new Error('recorded expected');
    expect(step.entry.cause).toBe('charge.dispute.created: fraudulent, 3000 EUR disputed (dp_1)');
  });
});

describe('decideOutsideSettlement', () => {
  test('counts everything held as returned, with the admin and the note in the history', () => {
    expect(decideOutsideSettlement(held({ requested: 500 }), 'u-1', ' paid by transfer ')).toEqual({
      returnedOutside: eur(2500),
      reviewReason: 'late_payment_settled_outside',
      entry: {
        from: 'cancelled',
        to: 'cancelled',
        cause: 'settled_outside_shop_by:u-1 (2500 EUR): paid by transfer',
      },
    });
  });
  test('adds to what a partly lost dispute returned already', () => {
    expect(
      decideOutsideSettlement(held({ returned: 1000 }), 'cli', 'agreed').returnedOutside,
    ).toEqual(eur(3000));
  });
  test('the order then leaves the review list', () => {
    const s = decideOutsideSettlement(held(), 'cli', 'agreed');
    expect(isAwaitingRefund({ ...held(), returnedOutside: s.returnedOutside })).toBe(false);
  });
  test('an empty or blank note → SettlementNoteRequiredError', () => {
    expect(() => decideOutsideSettlement(held(), 'cli', '  ')).toThrow(SettlementNoteRequiredError);
  });
  describe('refuses an order holding nothing (NothingHeldError, a conflict)', () => {
    test.each([
      ['settled already', held({ returned: 3000 })],
      ['refund asked for all of it', held({ requested: 3000 })],
      ['never paid', held({ paid: 0 })],
      ['a paid order', held({ status: 'paid' })],
    ])('%s', (_name, order) => {
      expect(() => decideOutsideSettlement(order, 'cli', 'agreed')).toThrow(NothingHeldError);
    });
  });
  test('a settled order is no payment review to decide either', () => {
    expect(() =>
      decidePaymentReview(
        { status: 'cancelled', reviewReason: 'late_payment_settled_outside', reviewDecision: null },
        'reject',
        'x',
      ),
    ).toThrow(/went back outside the shop/);
  });
});
