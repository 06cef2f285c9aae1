import { randomBytes, randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Stripe from 'stripe';

import { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import { type ApiProcess, reap, spawnApi, waitReady } from './support/api-process.js';
import { anAddress } from './support/shop.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const JWT_SECRET = 'crash-and-scale-test-secret-0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_crash_and_scale';
const ADDRESS = anAddress();

interface Shopper {
  token: string;
  key: string;
  quantity: number;
}

/**
 * Stripe outlives the API processes: one emulator in the test process that
 * every spawned API talks to, as they would to Stripe, so a PaymentIntent
 * made by a killed process is still there for the next one. (An API's own
 * emulator keeps its state in memory and dies with it.)
 */
let stripe: StripeEmulator;
const STRIPE_KEY = 'sk_test_123';

beforeAll(async () => {
  stripe = await StripeEmulator.start({
    apiKey: STRIPE_KEY,
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: 'http://127.0.0.1:9/unused',
    port: 0,
  });
});
afterAll(async () => {
  await stripe?.close();
});

function baseEnv(db: TestDatabase): Record<string, string> {
  return {
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: 'http',
    DATABASE_URL: db.url,
    JWT_SECRET,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    LOG_LEVEL: 'warn',
    RUN_WORKER: 'off',
    DB_POOL_SIZE: '10',
    // Registration of many shoppers from one address is not what is under test.
    LOGIN_RATE_LIMIT_IP: '100000',
    REGISTER_RATE_LIMIT_IP: '100000',
  };
}

const sql = <T>(db: TestDatabase, text: string, params: unknown[] = []): Promise<T[]> =>
  db.rows<T>(text, params);

async function aVariant(db: TestDatabase, stock: number): Promise<string> {
  const tag = randomBytes(5).toString('hex');
  const [product] = await sql<{ id: string }>(
    db,
    `INSERT INTO products (slug, name, status, min_price, max_price)
     VALUES ($1, $2, 'active', 1000, 1000) RETURNING id`,
    [`p-${tag}`, `Product ${tag}`],
  );
  const [variant] = await sql<{ id: string }>(
    db,
    `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
     VALUES ($1, $2, 'Default', 1000, 'EUR', $3) RETURNING id`,
    [product!.id, `SKU-${tag}`, stock],
  );
  return variant!.id;
}

const url = (api: ApiProcess, path: string) => `http://127.0.0.1:${api.port}/api/v1${path}`;

/** A setup request's failure, with the reply and the end of the API's log (the cause of a 5xx). */
async function setupFailed(api: ApiProcess, step: string, res: Response): Promise<Error> {
  return new Error(`${step}: ${res.status} ${await res.text()}\n${api.output().slice(-4000)}`);
}

/** Signs up through the API and fills the cart with `quantity` of the variant. */
async function aShopper(api: ApiProcess, variantId: string, quantity: number): Promise<Shopper> {
  const reg = await fetch(url(api, '/auth/register'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      email: `crash-${randomBytes(6).toString('hex')}@example.test`,
      password: `pw-${randomBytes(9).toString('hex')}`,
      name: 'Shopper',
    }),
  });
  if (reg.status !== 201) throw await setupFailed(api, 'register', reg);
  const { accessToken } = (await reg.json()) as { accessToken: string };
  const add = await fetch(url(api, '/cart/items'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ variantId, quantity }),
  });
  if (add.status !== 201) throw await setupFailed(api, 'add to cart', add);
  return { token: accessToken, key: randomUUID(), quantity };
}

async function checkout(
  api: ApiProcess,
  s: Shopper,
): Promise<{ status: number; body: { order?: { id: string } } }> {
  const res = await fetch(url(api, '/checkout'), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${s.token}`,
      'Idempotency-Key': s.key,
    },
    body: JSON.stringify({ shippingAddress: ADDRESS }),
  });
  return { status: res.status, body: (await res.json()) as { order?: { id: string } } };
}

async function stock(db: TestDatabase, variantId: string) {
  const [row] = await sql<{ on_hand: number; reserved: number; pending: string }>(
    db,
    `SELECT v.on_hand, v.reserved,
            COALESCE((SELECT SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
                      WHERE l.variant_id = v.id AND o.status = 'pending_payment'), 0) AS pending
       FROM variants v WHERE v.id = $1`,
    [variantId],
  );
  return { onHand: row!.on_hand, reserved: row!.reserved, pending: Number(row!.pending) };
}

// Each test starts and kills several API processes: on a loaded two-core
// machine that alone can pass jest's default 60 s, so they have three minutes.
describe('kill -9 in the middle of a checkout burst', () => {
  let db: TestDatabase;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    reap(api);
    await db?.drop();
  });

  test('every 201 order exists once, reserved = pending quantities, expiry releases the rest', async () => {
    const env = baseEnv(db);
    api = await spawnApi('main.js', env);
    await waitReady(api);
    const variantId = await aVariant(db, 1_000);
    const shoppers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => aShopper(api!, variantId, 1 + (i % 3))),
    );

    const victim = api;
    const created = new Map<Shopper, string>();
    let firstCreated: () => void = () => undefined;
    const oneCreated = new Promise<void>((resolve) => (firstCreated = resolve));
    const burst = shoppers.map(async (s) => {
      try {
        const res = await checkout(victim, s);
        if (res.status === 201 && res.body.order) {
          created.set(s, res.body.order.id);
          firstCreated();
        }
      } catch {
        // the connection died with the process
      }
    });
    await oneCreated;
    victim.child.kill('SIGKILL');
    await Promise.all(burst);
    expect(await victim.exited).toBe('SIGKILL');
    process.stdout.write(
      `[crash] ${created.size} of ${shoppers.length} checkouts answered 201 before SIGKILL\n`,
    );

    api = await spawnApi('main.js', env);
    await waitReady(api);

    // Every acknowledged order is stored, once.
    const ids = [...created.values()];
    const found = await sql<{ id: string }>(db, 'SELECT id FROM orders WHERE id = ANY($1)', [ids]);
    expect(found.map((r) => r.id).sort()).toEqual([...ids].sort());
    const perUser = await sql<{ n: string }>(
      db,
      'SELECT COUNT(*) AS n FROM orders GROUP BY user_id HAVING COUNT(*) > 1',
    );
    expect(perUser).toEqual([]);
    // No stock reserved without an order, none unreserved under one.
    const afterCrash = await stock(db, variantId);
    expect(afterCrash.reserved).toBe(afterCrash.pending);
    expect(afterCrash.onHand).toBe(1_000);

    // Clients retry what got no answer, with the same key. A key the dead
    // process had claimed counts as in progress until it is stale (two
    // minutes): let that time pass, then every retry ends in exactly one order.
    await sql(
      db,
      `UPDATE idempotency_keys SET created_at = created_at - interval '10 minutes'
        WHERE status = 'in_progress'`,
    );
    const retries = await Promise.all(
      shoppers.filter((x) => !created.has(x)).map((s) => checkout(api!, s)),
    );
    expect(retries.map((r) => r.status).filter((st) => st !== 201)).toEqual([]);
    const orders = await sql<{ n: string }>(db, 'SELECT COUNT(*) AS n FROM orders');
    expect(Number(orders[0]!.n)).toBe(shoppers.length);
    expect(
      await sql(db, 'SELECT user_id FROM orders GROUP BY user_id HAVING COUNT(*) > 1'),
    ).toEqual([]);
    const afterRetry = await stock(db, variantId);
    expect(afterRetry.reserved).toBe(afterRetry.pending);
    expect(afterRetry.pending).toBe(shoppers.reduce((sum, x) => sum + x.quantity, 0));
    // Their reservations run out (time moved on), and orders:expire hands the stock back.
    await sql(
      db,
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute'
        WHERE status = 'pending_payment'`,
    );
    const cli = await spawnApi('cli.js', env, ['orders:expire']);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/Expired \d+ unpaid order/);
    const released = await stock(db, variantId);
    expect(released).toEqual({ onHand: 1_000, reserved: 0, pending: 0 });
    const pending = await sql(db, `SELECT id FROM orders WHERE status = 'pending_payment'`);
    expect(pending).toEqual([]);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  }, 180_000);
});

describe('two API instances and a worker on one database', () => {
  let db: TestDatabase;
  const procs: ApiProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    procs.forEach(reap);
    await db?.drop();
  });

  test('no oversell across instances; one Stripe event posted to both is applied once', async () => {
    // Three processes beside two other test files on one PostgreSQL of 100
    // connections: with pools of ten this test held 47 at its peak, and its
    // sign-ups met 'too many clients' in a loaded run.
    const env = {
      ...baseEnv(db),
      DB_POOL_SIZE: '4',
      // A duplicate delivery waits for the first however slow the machine,
      // rather than the default 5 s, past which it is answered 409.
      PAYMENT_EVENT_WAIT_MS: '30000',
      // The worker at the others' priority: on a saturated machine, niced, it
      // gets a tenth of their share of the CPU.
      WORKER_NICE: '0',
    };
    // The first start migrates; the second and the worker find it done.
    const a = await spawnApi('main.js', env);
    procs.push(a);
    await waitReady(a);
    const b = await spawnApi('main.js', env);
    procs.push(b);
    const worker = await spawnApi('worker.js', env);
    procs.push(worker);
    await waitReady(b);

    const N = 5;
    const variantId = await aVariant(db, N);
    const shoppers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => aShopper(i % 2 ? a : b, variantId, 1)),
    );
    const replies = await Promise.all(shoppers.map((s, i) => checkout(i % 2 ? b : a, s)));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(N);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 409 || s === 422)).toBe(true);
    const orders = await sql<{ id: string }>(db, 'SELECT id FROM orders');
    expect(orders).toHaveLength(N);
    expect(await stock(db, variantId)).toEqual({ onHand: N, reserved: N, pending: N });

    // One payment_intent.succeeded, delivered to both instances at once.
    const order = replies.find((r) => r.status === 201)!.body.order!;
    const [row] = await sql<{ total: string; payment_intent_id: string }>(
      db,
      'SELECT total, payment_intent_id FROM orders WHERE id = $1',
      [order.id],
    );
    const payload = JSON.stringify({
      id: `evt_scale_${randomBytes(6).toString('hex')}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: row!.payment_intent_id,
          object: 'payment_intent',
          amount: Number(row!.total),
          amount_received: Number(row!.total),
          currency: 'eur',
          status: 'succeeded',
          metadata: { orderId: order.id },
          latest_charge: `ch_${row!.payment_intent_id}`,
        },
      },
    });
    const post = (api: ApiProcess) =>
      fetch(`http://127.0.0.1:${api.port}/api/v1/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({
            payload,
            secret: WEBHOOK_SECRET,
          }),
        },
        body: payload,
      });
    const deliveries = await Promise.all([post(a), post(b), post(a), post(b)]);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);

    const [paid] = await sql<{ status: string }>(db, 'SELECT status FROM orders WHERE id = $1', [
      order.id,
    ]);
    expect(paid!.status).toBe('paid');
    const transitions = await sql(
      db,
      `SELECT 1 FROM order_status_history WHERE order_id = $1 AND to_status = 'paid'`,
      [order.id],
    );
    expect(transitions).toHaveLength(1);
    const events = await sql(db, 'SELECT 1 FROM payment_events WHERE id = $1', [
      (JSON.parse(payload) as { id: string }).id,
    ]);
    expect(events).toHaveLength(1);
    // Sold once: one unit leaves on_hand and reserved, the other four stay reserved.
    expect(await stock(db, variantId)).toEqual({ onHand: N - 1, reserved: N - 1, pending: N - 1 });

    for (const p of [a, b, worker]) p.child.kill('SIGTERM');
    expect(await Promise.all([a.exited, b.exited, worker.exited])).toEqual([0, 0, 0]);
  }, 180_000);
});
