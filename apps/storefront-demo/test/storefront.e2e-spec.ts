import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { runStorefrontScenario, type ScenarioResult } from '../src/scenario.js';
import { type ApiServer, startApiServer } from './support/api-server.js';

describe('a storefront session against the built API', () => {
  let server: ApiServer | undefined;
  let result: ScenarioResult;
  const steps: string[] = [];

  beforeAll(async () => {
    server = await startApiServer();
    try {
      result = await runStorefrontScenario({
        baseUrl: server.baseUrl,
        emulatorUrl: server.emulatorUrl,
        log: (line) => steps.push(line),
      });
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\nsteps:\n${steps.join('\n')}\nAPI output:\n${server.output()}`,
      );
    }
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('prints every step of the visit', () => {
    const labels = steps.map((s) => s.split(/\s+/)[0]);
    expect(labels).toEqual(
      expect.arrayContaining([
        'browse',
        'search',
        'product',
        'cart',
        'auth',
        'checkout',
        'payment',
        'order',
        'orders',
      ]),
    );
  });

  test('the guest cart merged into the account on registration', () => {
    const guestLine = result.guestCart.lines.find(
      (l) => l.variantId === result.guestItem.variantId,
    );
    expect(guestLine?.quantity).toBe(result.guestItem.quantity);
    const merged = result.mergedCart.lines.find((l) => l.variantId === result.guestItem.variantId);
    expect(merged).toMatchObject({
      quantity: result.guestItem.quantity,
      unitPrice: guestLine!.unitPrice,
    });
    expect(result.mergedCart.id).not.toBe(result.guestCart.id);
  });

  test('the order holds the merged and the member lines at the cart prices', () => {
    const cart = result.checkedOutCart;
    const order = result.paidOrder;
    const byVariant = (
      lines: { variantId: string; quantity: number; unitPrice: unknown; lineTotal: unknown }[],
    ) =>
      Object.fromEntries(
        lines.map((l) => [
          l.variantId,
          { quantity: l.quantity, unitPrice: l.unitPrice, lineTotal: l.lineTotal },
        ]),
      );
    expect(byVariant(order.lines)).toEqual(byVariant(cart.lines));
    expect(order.lines.map((l) => l.variantId)).toEqual(
      expect.arrayContaining([result.guestItem.variantId, result.memberItem.variantId]),
    );
    expect(order.subtotal).toEqual(cart.subtotal);
    expect(order.total).toEqual(cart.subtotal);
  });

  test('checkout replays the same order for the same Idempotency-Key', () => {
    expect(result.placedOrder.status).toBe('pending_payment');
    expect(result.replayedOrderId).toBe(result.placedOrder.id);
  });

  test('the payment webhook marks the order paid and the history records it', () => {
    expect(result.paidOrder.status).toBe('paid');
    expect(result.paidOrder.history.map((h) => h.to)).toEqual(['pending_payment', 'paid']);
  });

  test('the cart is empty after checkout and the order is listed once', () => {
    expect(result.cartAfterCheckout.lines).toEqual([]);
    expect(result.cartAfterCheckout.itemCount).toBe(0);
    expect(result.orders.map((o) => o.id)).toEqual([result.paidOrder.id]);
    expect(result.orders[0]?.status).toBe('paid');
  });
});
