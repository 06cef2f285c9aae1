import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';

import { DisabledAccountOrders } from '../src/orders/disabled-account-orders.service.js';
import type { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import { PaymentSimulationService } from '../src/payments/payment-simulation.service.js';
import { webhooksToThisApp } from './support/emulator.js';
import { waitFor } from './support/jobs-probe.js';
import { aCart, anOrderOf, aVariant, checkout, stockOf } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

const API = '/api/v1';

describe('a disabled account’s orders (real PostgreSQL, jobs, Stripe emulator)', () => {
  let t: TestApp;
  let db: DataSource;
  let emulator: StripeEmulator;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.get(DataSource);
    ({ emulator } = await webhooksToThisApp(t));
    admin = await anAdmin(t);
  });
  afterAll(() => t?.close());

  const orderRow = async (id: string) => {
    const [row] = (await db.query(
      `SELECT o.status,
              (SELECT h.cause FROM order_status_history h WHERE h.order_id = o.id
                ORDER BY h.id DESC LIMIT 1) AS cause
         FROM orders o WHERE o.id = $1`,
      [id],
    )) as { status: string; cause: string }[];
    return row!;
  };

  const disable = (user: TestUser, disabled = true) =>
    t.http.patch(`${API}/admin/users/${user.id}`).set(admin.auth).send({ disabled }).expect(200);

  test('disabling cancels its unpaid orders, releases their stock and cancels their intents; paid orders and other customers are untouched', async () => {
    const buyer = await aCustomer(t);
    const bystander = await aCustomer(t);
    const variant = await aVariant(t, { stock: 10 });
    const first = await anOrderOf(t, buyer, variant, 2);
    const second = await anOrderOf(t, buyer, variant, 1);
    const paid = await anOrderOf(t, buyer, variant, 3);
    await t.get(PaymentSimulationService).simulate({ orderId: paid.orderId }, 'succeeded');
    await emulator.idle();
    expect((await orderRow(paid.orderId)).status).toBe('paid');
    const theirs = await anOrderOf(t, bystander, variant, 1);
    expect(await stockOf(t, variant.id)).toEqual({ onHand: 7, reserved: 4 });

    await disable(buyer);

    // The intents are cancelled after the batch commits.
    await waitFor(
      async () =>
        emulator.store.retrieveIntent(second.intentId).status === 'canceled' ? true : undefined,
      'the disabled account’s orders to be cancelled',
    );
    for (const order of [first, second]) {
      expect(await orderRow(order.orderId)).toEqual({
        status: 'cancelled',
        cause: 'account_disabled',
      });
      expect(emulator.store.retrieveIntent(order.intentId).status).toBe('canceled');
    }
    expect((await orderRow(paid.orderId)).status).toBe('paid');
    expect((await orderRow(theirs.orderId)).status).toBe('pending_payment');
    expect(emulator.store.retrieveIntent(theirs.intentId).status).not.toBe('canceled');
    // The three cancelled units are back on sale; the bystander's one stays reserved.
    expect(await stockOf(t, variant.id)).toEqual({ onHand: 7, reserved: 1 });
  });

  test('an account enabled again before the job runs keeps its orders, and a rerun cancels nothing', async () => {
    const buyer = await aCustomer(t);
    const variant = await aVariant(t, { stock: 5 });
    const order = await anOrderOf(t, buyer, variant, 2);
    const cancelUnpaid = (id: string) => t.get(DisabledAccountOrders).cancelUnpaid(id);

    // Enabled: nothing of its is taken.
    expect(await cancelUnpaid(buyer.id)).toBe(0);
    expect((await orderRow(order.orderId)).status).toBe('pending_payment');

    await db.query('UPDATE users SET disabled = true WHERE id = $1', [buyer.id]);
    expect(await cancelUnpaid(buyer.id)).toBe(1);
    expect(await cancelUnpaid(buyer.id)).toBe(0);
    expect(await orderRow(order.orderId)).toEqual({
      status: 'cancelled',
      cause: 'account_disabled',
    });
    expect(await stockOf(t, variant.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('the job is written with the change: disabling an account already disabled enqueues none', async () => {
    const buyer = await aCustomer(t);
    const jobs = async () => {
      const [row] = (await db.query(
        `SELECT count(*)::int AS n FROM pgboss.job
          WHERE name = 'accounts.disabled' AND data->>'userId' = $1`,
        [buyer.id],
      )) as { n: number }[];
      return row!.n;
    };
    expect(await jobs()).toBe(0);
    await disable(buyer);
    expect(await jobs()).toBe(1);
    await disable(buyer);
    await disable(buyer, false);
    expect(await jobs()).toBe(1);
  });

  describe('a checkout racing the disable', () => {
    /** Runs `use` on a connection of its own, inside a transaction it commits. */
    async function inTransaction(use: (c: pg.Client) => Promise<void>): Promise<pg.Client> {
      const c = new pg.Client({ connectionString: t.db.url });
      await c.connect();
      await c.query('BEGIN');
      await use(c);
      return c;
    }
    /** Waits until a statement of the API waits for a lock `holder` holds, matching `query`. */
    const blockedBy = async (holder: pg.Client, query: string) => {
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
        .pid;
      await waitFor(async () => {
        const [w] = await t.db.rows<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE $1 = ANY(pg_blocking_pids(pid)) AND query LIKE $2`,
          [pid, query],
        );
        return (w?.n ?? 0) > 0 ? true : undefined;
      }, `${query} to wait for a lock of connection ${pid}`);
    };

    test('a disable that commits while the checkout waits for the account refuses the checkout: nothing written', async () => {
      const buyer = await aCustomer(t);
      const variant = await aVariant(t, { stock: 4 });
      const cartId = await aCart(t, buyer, [{ variant, quantity: 2 }]);
      // The disable, caught before its commit: the request was let in as active.
      const disabling = await inTransaction((c) =>
        c.query('UPDATE users SET disabled = true WHERE id = $1', [buyer.id]).then(() => undefined),
      );
      try {
        const key = randomUUID();
        const pending = checkout(t, buyer, key).then((r) => r);
        // The checkout's write itself waits (past the guard, its intent made).
        await blockedBy(disabling, 'WITH buyer AS%');
        await disabling.query('COMMIT');
        const res = await pending;
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
      } finally {
        await disabling.end();
      }
      const orders = await t.db.rows('SELECT 1 FROM orders WHERE user_id = $1', [buyer.id]);
      expect(orders).toHaveLength(0);
      expect(await stockOf(t, variant.id)).toEqual({ onHand: 4, reserved: 0 });
      const [cart] = await t.db.rows<{ status: string }>('SELECT status FROM carts WHERE id = $1', [
        cartId,
      ]);
      expect(cart!.status).toBe('active');
      const keys = await t.db.rows('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [buyer.id]);
      expect(keys).toHaveLength(0);
    });

    test('a disable that waits for a checkout in flight finds its order and cancels it', async () => {
      const buyer = await aCustomer(t);
      const variant = await aVariant(t, { stock: 4 });
      await aCart(t, buyer, [{ variant, quantity: 2 }]);
      // Another transaction holds the stock row: the checkout's statement,
      // the account already share-locked, waits there.
      const stockHolder = await inTransaction((c) =>
        c
          .query('SELECT 1 FROM variants WHERE id = $1 FOR UPDATE', [variant.id])
          .then(() => undefined),
      );
      let orderId: string;
      try {
        const placing = checkout(t, buyer, randomUUID()).then((r) => r);
        await blockedBy(stockHolder, 'WITH buyer AS%');
        // The disable now waits for the checkout's lock on the account.
        const disablingReq = disable(buyer).then((r) => r);
        await waitFor(async () => {
          const [w] = await t.db.rows<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity a
              WHERE a.query LIKE '%FROM users u%FOR NO KEY UPDATE%'
                AND EXISTS (SELECT 1 FROM pg_stat_activity c
                             WHERE c.pid = ANY(pg_blocking_pids(a.pid)) AND c.query LIKE 'WITH buyer AS%')`,
          );
          return (w?.n ?? 0) > 0 ? true : undefined;
        }, 'the disable to wait behind the checkout');
        await stockHolder.query('COMMIT');
        const placed = await placing;
        expect(placed.status).toBe(201);
        orderId = placed.body.order.id as string;
        await disablingReq;
      } finally {
        await stockHolder.end();
      }
      await waitFor(
        async () => ((await orderRow(orderId)).status === 'cancelled' ? true : undefined),
        'the order placed before the disable to be cancelled',
      );
      expect(await orderRow(orderId)).toEqual({ status: 'cancelled', cause: 'account_disabled' });
      expect(await stockOf(t, variant.id)).toEqual({ onHand: 4, reserved: 0 });
    });
  });
});
