import { randomBytes, randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { EMULATOR_API_KEY } from '../src/payments/emulator/stripe-emulator.host.js';
import { type ApiProcess, freePort, sleep, spawnApi, waitReady } from './support/api-process.js';
import { anEmail, cli, env, sql, useCliDatabase } from './support/cli.js';
import { cliInProcess } from './support/cli-in-process.js';
import { anAddress } from './support/shop.js';

useCliDatabase();

/**
 * The API runs in a child process of its own, and the CLI finds the Stripe
 * emulator it hosts. The first payment goes through dist/cli.js in a child
 * process: two processes, as a user runs them. The other commands' output,
 * exit codes and effects are runCli's, what dist/cli.js runs, tested in a
 * worker thread of this process, a fresh app per run: still beside the API's
 * process, without a whole process start per run.
 */
describe('npm run cli', () => {
  describe('next to a running API', () => {
    let api: ApiProcess | undefined;
    let emulatorPort: string;
    const url = (path: string) => `http://127.0.0.1:${api!.port}/api/v1${path}`;

    beforeAll(async () => {
      // The CLI finds the API's Stripe emulator on this port and asks it to
      // pay; the emulator then sends the signed webhook to the API.
      emulatorPort = String(await freePort());
      api = await spawnApi(
        'main.js',
        env({ STRIPE_EMULATOR_PORT: emulatorPort, RUN_WORKER: 'off', LOG_LEVEL: 'warn' }),
      );
      await waitReady(api);
    });
    afterAll(async () => {
      if (!api) return;
      api.child.kill('SIGTERM');
      await api.exited;
    });

    async function anOrder(variantId: string, quantity: number): Promise<string> {
      const reg = await fetch(url('/auth/register'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: anEmail(), password: 'long-enough-1', name: 'Buyer' }),
      });
      expect(reg.status).toBe(201);
      const { accessToken } = (await reg.json()) as { accessToken: string };
      const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` };
      const add = await fetch(url('/cart/items'), {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ variantId, quantity }),
      });
      expect(add.status).toBe(201);
      const res = await fetch(url('/checkout'), {
        method: 'POST',
        headers: { ...auth, 'Idempotency-Key': randomUUID() },
        body: JSON.stringify({ shippingAddress: anAddress() }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { order: { id: string } }).order.id;
    }

    async function aVariant(stock: number): Promise<string> {
      const tag = randomBytes(5).toString('hex');
      const [product] = await sql<{ id: string }>(
        `INSERT INTO products (slug, name, status, min_price, max_price)
         VALUES ($1, $2, 'active', 2500, 2500) RETURNING id`,
        [`cli-p-${tag}`, `CLI product ${tag}`],
      );
      const [variant] = await sql<{ id: string }>(
        `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
         VALUES ($1, $2, 'Default', 2500, 'EUR', $3) RETURNING id`,
        [product!.id, `CLI-${tag}`.toUpperCase(), stock],
      );
      return variant!.id;
    }

    const statusOf = async (orderId: string) =>
      (await sql<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId]))[0]
        ?.status;
    const stockOf = async (variantId: string) =>
      (
        await sql<{ on_hand: number; reserved: number }>(
          'SELECT on_hand, reserved FROM variants WHERE id = $1',
          [variantId],
        )
      )[0];

    test('payments:simulate --order, through dist/cli.js, pays it through the API’s emulator; the webhook marks it paid', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 2);
      const run = await cli(['payments:simulate', '--order', orderId, '--outcome', 'succeeded'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^pi_\S+ is now succeeded; payment_intent\.succeeded \(evt_\S+\) is on its way to the API\.\n$/,
      );
      // The webhook is delivered asynchronously: wait for its effect.
      for (let i = 0; i < 200 && (await statusOf(orderId)) !== 'paid'; i++) await sleep(50);
      expect(await statusOf(orderId)).toBe('paid');
      expect(await stockOf(variant)).toEqual({ on_hand: 3, reserved: 0 });
    });

    test('payments:simulate for an order that does not exist → exit 1, saying so', async () => {
      const run = await cliInProcess(
        ['payments:simulate', '--order', randomUUID(), '--outcome', 'succeeded'],
        { STRIPE_EMULATOR_PORT: emulatorPort },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/not found/i);
      expect(run.stdout).toBe('');
    });

    /** Stripe's API of the emulator the API hosts, as the SDK calls it. */
    const emulatorApi = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`http://127.0.0.1:${emulatorPort}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${EMULATOR_API_KEY}`,
          'content-type': 'application/json',
        },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };

    test('orders:under-review lists an order whose payment did not match; orders:resolve-review rejects it: refunded at the API’s emulator, cancelled, stock released', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 2);
      // The order's total moved after its intent was made: the customer pays
      // the intent's 5000, which no longer matches the order's 5100.
      await sql('UPDATE orders SET subtotal = subtotal + 100, total = total + 100 WHERE id = $1', [
        orderId,
      ]);
      const [order] = await sql<{ payment_intent_id: string }>(
        'SELECT payment_intent_id FROM orders WHERE id = $1',
        [orderId],
      );
      const intentId = order!.payment_intent_id;
      await emulatorApi(`/_emulator/payment_intents/${intentId}/simulate`, {
        method: 'POST',
        body: JSON.stringify({ outcome: 'succeeded' }),
      });
      const reason = async () =>
        (
          await sql<{ r: string | null }>('SELECT review_reason AS r FROM orders WHERE id = $1', [
            orderId,
          ])
        )[0]?.r;
      // The webhook is delivered asynchronously: wait for its effect.
      for (let i = 0; i < 200 && !(await reason()); i++) await sleep(50);
      const reviewReason = 'payment_mismatch: order 5100 EUR, intent 5000 EUR';
      expect(await reason()).toBe(reviewReason);

      const listed = await cliInProcess(['orders:under-review'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout).toMatch(
        new RegExp(`^${orderId}  \\S+  5100 EUR  ${reviewReason}$`, 'm'),
      );
      expect(listed.stdout).toMatch(/^1 order\(s\) waiting for a payment review\.\n$/m);

      const args = ['orders:resolve-review', '--order', orderId, '--decision', 'reject'];
      const run = await cliInProcess(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(run).toEqual({
        code: 0,
        stdout: `Order ${orderId} is cancelled (payment_review_rejected_by:cli (${reviewReason})).\n`,
        stderr: '',
      });
      expect(await statusOf(orderId)).toBe('cancelled');
      expect(await stockOf(variant)).toEqual({ on_hand: 5, reserved: 0 });
      const intent = await emulatorApi(`/v1/payment_intents/${intentId}`);
      const charge = await emulatorApi(`/v1/charges/${String(intent.latest_charge)}`);
      expect(charge.amount_refunded).toBe(5000);

      // Again: the same answer, nothing refunded twice; accepting now is refused.
      const again = await cliInProcess(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(again).toEqual(run);
      const accept = await cliInProcess(
        ['orders:resolve-review', '--order', orderId, '--decision', 'accept'],
        { STRIPE_EMULATOR_PORT: emulatorPort },
      );
      expect(accept.code).toBe(1);
      expect(accept.stderr).toMatch(/rejected already/);
      const after = await emulatorApi(`/v1/charges/${String(intent.latest_charge)}`);
      expect(after.amount_refunded).toBe(5000);
      const empty = await cliInProcess(['orders:under-review'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(empty.stdout).toBe('0 order(s) waiting for a payment review.\n');
    });

    test('orders:settle-outside closes a cancelled order holding a late payment by hand: recorded as cli, off orders:under-review', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 1);
      // Cancelled, then paid late and its refund refused (a disputed charge).
      await sql(
        `UPDATE orders SET status = 'cancelled', amount_paid = 2500,
                review_reason = 'late_payment_refund_refused: charge_disputed' WHERE id = $1`,
        [orderId],
      );
      const listed = await cliInProcess(['orders:under-review'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(listed.stdout).toMatch(new RegExp(`^${orderId}  .*late_payment_refund_refused`, 'm'));

      // A note the route would refuse (over 500 characters) is refused here too, nothing settled.
      const long = await cliInProcess(
        ['orders:settle-outside', '--order', orderId, '--note', 'x'.repeat(501)],
        { STRIPE_EMULATOR_PORT: emulatorPort },
      );
      expect(long.code).toBe(1);
      expect(long.stderr).toMatch(/--note must be shorter than or equal to 500 characters/);
      expect(
        (
          await sql<{ reason: string }>(
            'SELECT review_reason AS reason FROM orders WHERE id = $1',
            [orderId],
          )
        )[0]?.reason,
      ).toBe('late_payment_refund_refused: charge_disputed');

      const args = ['orders:settle-outside', '--order', orderId, '--note', 'paid back by transfer'];
      const run = await cliInProcess(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(run).toEqual({
        code: 0,
        stdout: `Order ${orderId} is cancelled, 2500 EUR returned outside the shop (settled_outside_shop_by:cli (2500 EUR): paid back by transfer).\n`,
        stderr: '',
      });
      const [row] = await sql<{ returned: string; reason: string }>(
        'SELECT amount_returned_outside AS returned, review_reason AS reason FROM orders WHERE id = $1',
        [orderId],
      );
      expect(row).toEqual({ returned: '2500', reason: 'late_payment_settled_outside' });
      const again = await cliInProcess(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/holds no money to settle/);
      const blank = await cliInProcess(
        ['orders:settle-outside', '--order', orderId, '--note', ' '],
        {
          STRIPE_EMULATOR_PORT: emulatorPort,
        },
      );
      expect(blank.code).toBe(1);
      expect(blank.stderr).toMatch(/--note should not be empty/);
      const empty = await cliInProcess(['orders:under-review'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(empty.stdout).not.toContain(orderId);
    });

    test('payments:dispute opens a dispute of an order’s payment at the API’s emulator and closes it', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 1);
      // Paid at the emulator directly: payments:simulate has its own test above.
      const [order] = await sql<{ payment_intent_id: string }>(
        'SELECT payment_intent_id FROM orders WHERE id = $1',
        [orderId],
      );
      const paid = await emulatorApi(
        `/_emulator/payment_intents/${order!.payment_intent_id}/simulate`,
        { method: 'POST', body: JSON.stringify({ outcome: 'succeeded' }) },
      );
      expect(paid.event).toMatchObject({ type: 'payment_intent.succeeded' });
      const opened = await cliInProcess(
        ['payments:dispute', '--order', orderId, '--reason', 'product_not_received'],
        { STRIPE_EMULATOR_PORT: emulatorPort },
      );
      expect(opened).toMatchObject({ code: 0, stderr: '' });
      const match =
        /^Dispute (dp_\S+) is needs_response; charge\.dispute\.created \(evt_\S+\) is on its way to the API\.\n$/.exec(
          opened.stdout,
        );
      expect(match).not.toBeNull();
      const disputeId = match![1]!;
      const closed = await cliInProcess(
        ['payments:dispute', '--close', disputeId, '--outcome', 'lost'],
        {
          STRIPE_EMULATOR_PORT: emulatorPort,
        },
      );
      expect(closed).toMatchObject({ code: 0, stderr: '' });
      expect(closed.stdout).toMatch(/^Dispute dp_\S+ is lost; charge\.dispute\.closed/);
      const dispute = await emulatorApi(`/v1/disputes/${disputeId}`);
      expect(dispute).toMatchObject({
        status: 'lost',
        reason: 'product_not_received',
        amount: 2500,
      });
    });

    test('orders:expire cancels unpaid orders past their reservation and releases their stock', async () => {
      const variant = await aVariant(5);
      const due = await anOrder(variant, 2);
      const notYet = await anOrder(variant, 1);
      expect(await stockOf(variant)).toEqual({ on_hand: 5, reserved: 3 });
      await sql(
        `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
        [due],
      );
      // Beside the API, the CLI uses its emulator, so the intent is cancelled there too.
      const run = await cliInProcess(['orders:expire'], { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(run).toEqual({ code: 0, stdout: 'Expired 1 unpaid order(s).\n', stderr: '' });
      expect(await statusOf(due)).toBe('cancelled');
      expect(await statusOf(notYet)).toBe('pending_payment');
      expect(await stockOf(variant)).toEqual({ on_hand: 5, reserved: 1 });
    });
  });
});
