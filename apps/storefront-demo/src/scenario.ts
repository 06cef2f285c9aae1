import { randomUUID } from 'node:crypto';

import { type components, createMinishopClient } from '@minishop/client';
import { Money } from '@minishop/domain';

type Cart = components['schemas']['CartDto'];
type Order = components['schemas']['OrderDto'];
type Product = components['schemas']['ProductDto'];

/** The key the API's local Stripe emulator accepts; it means nothing anywhere else. */
const EMULATOR_API_KEY = 'sk_test_minishop_local_emulator';

export interface ScenarioOptions {
  /** Origin of the API, e.g. http://localhost:3000. */
  baseUrl: string;
  /** The local Stripe emulator the API runs when STRIPE_SECRET_KEY is unset. */
  emulatorUrl?: string;
  /** Where each step is reported (one line each). */
  log?: (line: string) => void;
  /** How often to ask for the order while the payment webhook is on its way. */
  pollIntervalMs?: number;
  /** How many times to ask before giving up (a cap on a hang, not a timing claim). */
  pollAttempts?: number;
}

export interface ScenarioResult {
  email: string;
  /** The variant added while still a guest, and how many. */
  guestItem: { variantId: string; quantity: number };
  /** The variant added after signing in. */
  memberItem: { variantId: string; quantity: number };
  /** The guest cart just before registering. */
  guestCart: Cart;
  /** The account's cart right after registering (the guest cart merged in). */
  mergedCart: Cart;
  /** The cart checked out. */
  checkedOutCart: Cart;
  /** The cart after checkout. */
  cartAfterCheckout: Cart;
  /** The order as checkout returned it. */
  placedOrder: Order;
  /** The order once paid. */
  paidOrder: Order;
  /** The account's orders as listed at the end. */
  orders: Order[];
  /** Whether a repeated checkout with the same Idempotency-Key replayed the order. */
  replayedOrderId: string;
}

/** A failed call, with the problem details the API sent. */
export class StepFailedError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly problem: unknown,
  ) {
    super(`${step}: HTTP ${status} ${JSON.stringify(problem)}`);
    this.name = 'StepFailedError';
  }
}

interface Reply<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function expectData<T>(step: string, reply: Reply<T>): T {
  if (reply.data === undefined || !reply.response.ok) {
    throw new StepFailedError(step, reply.response.status, reply.error);
  }
  return reply.data;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An API amount for the log, in its currency's own minor unit (`1299 JPY`, `12.99 EUR`). */
export const money = (m: { amount: number; currency: string }): string =>
  Money.of(m.amount, m.currency).format();

/**
 * One shopper's visit, as a storefront would make it: browse and search the
 * catalog, fill a cart as a guest, register (the guest cart follows into the
 * account), check out, pay, and watch the order become paid.
 */
export async function runStorefrontScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const client = createMinishopClient({ baseUrl: options.baseUrl });
  const { api } = client;

  // 1. Browse: the newest products, first page.
  const page = expectData(
    'browse the catalog',
    await api.GET('/api/v1/products', { params: { query: { limit: 12, sort: 'newest' } } }),
  );
  log(
    `browse    GET /products → ${page.items.length} products (more: ${page.nextCursor !== null})`,
  );
  const candidates = page.items.filter((p) => p.variants.some((v) => v.stock.available >= 3));
  if (candidates.length < 1) throw new Error('The catalog has no product with stock to sell');

  // 2. Search for a word of the first product's name.
  const word = candidates[0]!.name.split(/\s+/).find((w) => w.length >= 4) ?? candidates[0]!.name;
  const found = expectData(
    'search',
    await api.GET('/api/v1/products', { params: { query: { q: word, limit: 5 } } }),
  );
  log(`search    GET /products?q=${word} → ${found.items.map((p) => p.slug).join(', ') || 'none'}`);
  const pick = found.items.find((p) => candidates.some((c) => c.id === p.id)) ?? candidates[0]!;

  // 3. Open the product page by slug.
  const product: Product = expectData(
    'open a product',
    await api.GET('/api/v1/products/{idOrSlug}', {
      params: { path: { idOrSlug: pick.slug } },
    }),
  );
  const variant = product.variants.find((v) => v.stock.available >= 3);
  if (!variant) throw new Error(`${product.slug} has no variant in stock`);
  log(
    `product   GET /products/${product.slug} → ${product.variants.length} variants, ` +
      `${variant.sku} at ${money(variant.price)} (${variant.stock.available} available)`,
  );

  // 4. A guest cart; the client keeps its token and sends it as X-Cart-Token.
  const created = expectData('start a guest cart', await api.POST('/api/v1/cart'));
  log(`cart      POST /cart → guest cart ${created.cart.id}`);
  const guestItem = { variantId: variant.id, quantity: 2 };
  const guestCart = expectData(
    'add to the guest cart',
    await api.POST('/api/v1/cart/items', { body: guestItem }),
  );
  log(
    `cart      POST /cart/items ${variant.sku} ×2 → ${guestCart.itemCount} items, subtotal ${money(guestCart.subtotal)}`,
  );

  // 5. Register: the client sends the guest's X-Cart-Token, so the account
  // absorbs the cart, and then forgets that token.
  const email = `shopper-${randomUUID().slice(0, 8)}@example.com`;
  const session = expectData(
    'register',
    await api.POST('/api/v1/auth/register', {
      body: { email, password: 'correct horse battery staple', name: 'Demo Shopper' },
    }),
  );
  log(`auth      POST /auth/register → ${session.user.email} (${session.user.role}), signed in`);
  if (client.session.get().cartToken !== undefined) {
    throw new Error('The client still holds the guest cart token after sign-in');
  }
  const mergedCart = expectData('open the merged cart', await api.GET('/api/v1/cart'));
  log(
    `cart      GET /cart → account cart with ${mergedCart.lines.length} line(s), ${mergedCart.itemCount} items`,
  );

  // 6. One more item as a member, from another product when the page has one.
  const other =
    candidates.find((p) => p.id !== product.id)?.variants.find((v) => v.stock.available >= 1) ??
    product.variants.find((v) => v.id !== variant.id && v.stock.available >= 1) ??
    variant;
  const memberItem = { variantId: other.id, quantity: 1 };
  const checkedOutCart = expectData(
    'add as a member',
    await api.POST('/api/v1/cart/items', { body: memberItem }),
  );
  log(
    `cart      POST /cart/items ${other.sku} ×1 → ${checkedOutCart.lines.length} line(s), subtotal ${money(checkedOutCart.subtotal)}`,
  );

  // 7. Checkout; the Idempotency-Key makes a retry after a dropped reply safe.
  const idempotencyKey = randomUUID();
  const checkoutBody = {
    shippingAddress: {
      name: 'Demo Shopper',
      line1: 'Alexanderplatz 1',
      city: 'Berlin',
      postalCode: '10178',
      country: 'DE',
    },
  };
  const checkout = expectData(
    'checkout',
    await api.POST('/api/v1/checkout', {
      params: { header: { 'Idempotency-Key': idempotencyKey } },
      body: checkoutBody,
    }),
  );
  const placedOrder = checkout.order;
  log(
    `checkout  POST /checkout → order ${placedOrder.id} ${placedOrder.status}, total ${money(placedOrder.total)}, ` +
      `PaymentIntent ${checkout.payment.paymentIntentId}`,
  );
  // As if the reply had been lost: the same key and body give the same order.
  const replay = expectData(
    'retry checkout',
    await api.POST('/api/v1/checkout', {
      params: { header: { 'Idempotency-Key': idempotencyKey } },
      body: checkoutBody,
    }),
  );
  log(`checkout  POST /checkout (same Idempotency-Key) → replayed order ${replay.order.id}`);

  // 8. Pay. A browser confirms the PaymentIntent with Stripe.js and the
  // client secret; here the local emulator plays the customer's card.
  const emulatorUrl = options.emulatorUrl ?? 'http://127.0.0.1:12111';
  await simulatePayment(emulatorUrl, checkout.payment.paymentIntentId);
  log(`payment   emulator: ${checkout.payment.paymentIntentId} succeeded, webhook on its way`);

  // 9. The webhook marks the order paid; poll it as an order page would.
  const interval = options.pollIntervalMs ?? 200;
  const attempts = options.pollAttempts ?? 300;
  let paidOrder: Order | undefined;
  for (let i = 0; i < attempts && !paidOrder; i++) {
    const order = expectData(
      'poll the order',
      await api.GET('/api/v1/orders/{id}', { params: { path: { id: placedOrder.id } } }),
    );
    if (order.status === 'paid') paidOrder = order;
    else await sleep(interval);
  }
  if (!paidOrder) throw new Error(`Order ${placedOrder.id} was not paid after ${attempts} polls`);
  log(`order     GET /orders/${paidOrder.id} → ${paidOrder.status}`);

  // 10. The account's orders and the now empty cart.
  const orders = expectData('list orders', await api.GET('/api/v1/orders')).items;
  log(`orders    GET /orders → ${orders.map((o) => `${o.id} ${o.status}`).join('; ')}`);
  const cartAfterCheckout = expectData('cart after checkout', await api.GET('/api/v1/cart'));
  log(`cart      GET /cart → ${cartAfterCheckout.itemCount} items after checkout`);

  return {
    email,
    guestItem,
    memberItem,
    guestCart,
    mergedCart,
    checkedOutCart,
    cartAfterCheckout,
    placedOrder,
    paidOrder,
    orders,
    replayedOrderId: replay.order.id,
  };
}

/** The emulator's control route; Stripe.js and a real card do this in production. */
async function simulatePayment(emulatorUrl: string, paymentIntentId: string): Promise<void> {
  const response = await fetch(
    new URL(
      `/_emulator/payment_intents/${encodeURIComponent(paymentIntentId)}/simulate`,
      emulatorUrl,
    ),
    {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${EMULATOR_API_KEY}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ outcome: 'succeeded' }),
    },
  );
  if (!response.ok) {
    throw new StepFailedError('pay through the emulator', response.status, await response.text());
  }
}
