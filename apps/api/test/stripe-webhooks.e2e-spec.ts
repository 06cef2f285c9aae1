import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Money } from '@minishop/domain';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';

import { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import {
  PaymentEventHandler,
  type PaymentEventOutcome,
  StalePreparationError,
} from '../src/payments/payment-event-handler.js';
import { PaymentEventProcessor } from '../src/payments/payment-event-processor.service.js';
import { PaymentGateway } from '../src/payments/payment-gateway.js';
import { PaymentSimulationService } from '../src/payments/payment-simulation.service.js';
import type { PaymentEvent } from '../src/payments/stripe-event.js';
import { webhooksToThisApp } from './support/emulator.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SECRET = 'whsec_webhook_test_secret';
const URL = '/api/v1/webhooks/stripe';
let n = 0;

function anEvent(overrides: { type?: string; object?: Record<string, unknown> } = {}) {
  n++;
  return {
    id: `evt_test_${Date.now()}_${n}`,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type: overrides.type ?? 'payment_intent.succeeded',
    data: {
      object: overrides.object ?? {
        id: `pi_unknown_${n}`,
        object: 'payment_intent',
        amount: 1299,
        amount_received: 1299,
        currency: 'eur',
        status: 'succeeded',
        metadata: {},
        latest_charge: `ch_unknown_${n}`,
      },
    },
  };
}

function sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? SECRET,
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
  });
}

async function rowsOf(t: TestApp, id: string) {
  return (await t
    .get(DataSource)
    .query(
      'SELECT id, type, object_id, status, attempts, last_error, processed_at, payload FROM payment_events WHERE id = $1',
      [id],
    )) as {
    id: string;
    type: string;
    object_id: string | null;
    status: string;
    attempts: number;
    last_error: string | null;
    processed_at: Date | null;
    payload: PaymentEvent;
  }[];
}

describe('POST /webhooks/stripe with the default handler', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { STRIPE_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (payload: string, signature?: string) => {
    const req = t.http.post(URL).set('Content-Type', 'application/json');
    return (signature !== undefined ? req.set('Stripe-Signature', signature) : req).send(payload);
  };

  test('POST /webhooks/stripe → 200 stores a verified event for an unknown object as ignored', async () => {
    const event = anEvent();
    const payload = JSON.stringify(event);
    const res = await post(payload, sign(payload));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, eventId: event.id, status: 'ignored' });
    const [row] = await rowsOf(t, event.id);
    expect(row).toMatchObject({
      type: 'payment_intent.succeeded',
      object_id: event.data.object.id,
      status: 'ignored',
      attempts: 1,
      last_error: null,
    });
    expect(row?.processed_at).toBeInstanceOf(Date);
    expect(row?.payload).toEqual(event);
  });

  test('an event type nobody handles → 200 and recorded', async () => {
    const event = anEvent({
      type: 'customer.created',
      object: { id: 'cus_123', object: 'customer' },
    });
    const payload = JSON.stringify(event);
    const res = await post(payload, sign(payload));
    expect(res.status).toBe(200);
    expect((await rowsOf(t, event.id))[0]).toMatchObject({
      object_id: 'cus_123',
      status: 'ignored',
    });
  });

  const refusals: [string, (payload: string) => { body: string; signature?: string }][] = [
    [
      'signed with another secret',
      (p) => ({ body: p, signature: sign(p, { secret: 'whsec_other' }) }),
    ],
    ['with a tampered body', (p) => ({ body: p.replace('1299', '1'), signature: sign(p) })],
    [
      'signed ten minutes ago',
      (p) => ({ body: p, signature: sign(p, { timestamp: Math.floor(Date.now() / 1000) - 600 }) }),
    ],
    ['without a Stripe-Signature header', (p) => ({ body: p })],
    ['with a malformed signature header', (p) => ({ body: p, signature: 'not-a-signature' })],
  ];
  test.each(refusals)('an event %s → 400 problem and nothing stored', async (_name, build) => {
    const event = anEvent();
    const { body, signature } = build(JSON.stringify(event));
    const res = await post(body, signature);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 400,
      type: expect.stringMatching(/\/payment-webhook-signature-invalid$/),
    });
    expect(await rowsOf(t, event.id)).toHaveLength(0);
  });

  test('a signed body that is not a Stripe event → 400 and nothing stored', async () => {
    const payload = JSON.stringify({ hello: 'world' });
    const res = await post(payload, sign(payload));
    expect(res.status).toBe(400);
    const [count] = (await t
      .get(DataSource)
      .query(
        "SELECT count(*)::int AS n FROM payment_events WHERE payload->>'hello' = 'world'",
      )) as { n: number }[];
    expect(count?.n).toBe(0);
  });
  // Signed with the right secret, so only the content can be refused: each
  // would have failed the jsonb or timestamptz insert as a 500, which Stripe
  // retries for days.
  const unstorable: [string, (event: ReturnType<typeof anEvent>) => string, RegExp][] = [
    [
      'created far in the future',
      (e) => JSON.stringify(e).replace(/"created":\d+/, '"created":1e20'),
      /not a Stripe event/,
    ],
    [
      'created before 1970',
      (e) => JSON.stringify({ ...e, created: -8.64e12 }),
      /not a Stripe event/,
    ],
    ['created as a fraction', (e) => JSON.stringify({ ...e, created: 1.5 }), /not a Stripe event/],
    [
      'an id longer than any Stripe id',
      (e) => JSON.stringify({ ...e, id: `evt_${'x'.repeat(3000)}` }),
      /not a Stripe event/,
    ],
    [
      'an object id longer than any Stripe id',
      (e) =>
        JSON.stringify({
          ...e,
          data: { object: { ...e.data.object, id: `pi_${'x'.repeat(3000)}` } },
        }),
      /not a Stripe event/,
    ],
    [
      'a NUL in its object',
      (e) =>
        JSON.stringify({ ...e, data: { object: { ...e.data.object, metadata: { a: '\u0000' } } } }),
      /data\.object\.metadata\.a must not contain NUL/,
    ],
    [
      'a lone surrogate in its object',
      (e) =>
        JSON.stringify({ ...e, data: { object: { ...e.data.object, description: 'x\ud800' } } }),
      /data\.object\.description must be well-formed Unicode/,
    ],
    [
      'a lone surrogate in a key',
      (e) =>
        JSON.stringify({
          ...e,
          data: { object: { ...e.data.object, metadata: { 'k\udc00': 'v' } } },
        }),
      /must be well-formed Unicode/,
    ],
  ];
  test.each(unstorable)(
    'a signed event with %s → 400 problem and nothing stored',
    async (_name, build, detail) => {
      const event = anEvent();
      const payload = build(event);
      const res = await post(payload, sign(payload));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 400,
        type: expect.stringMatching(/\/payment-webhook-signature-invalid$/),
        detail: expect.stringMatching(detail),
      });
      expect(await rowsOf(t, event.id)).toHaveLength(0);
    },
  );

  test('the route is documented under the payments tag with its 400 problem', async () => {
    const doc = (await t.http.get('/docs/openapi.json')).body as {
      paths: Record<string, { post?: { tags?: string[]; responses?: Record<string, unknown> } }>;
    };
    const operation = doc.paths['/api/v1/webhooks/stripe']?.post;
    expect(operation?.tags).toEqual(['payments']);
    expect(Object.keys(operation?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '409']),
    );
    const conflict = operation?.responses?.['409'] as {
      description?: string;
      headers?: Record<string, unknown>;
    };
    expect(conflict.description).toMatch(/PAYMENT\.EVENT_BUSY/);
    expect(conflict.headers).toHaveProperty('Retry-After');
  });
});

/** Counts how often each event is handed over; the outcome of each call is scripted. */
class CountingHandler extends PaymentEventHandler {
  readonly calls = new Map<string, number>();
  readonly script = new Map<string, (PaymentEventOutcome | Error)[]>();

  async handle(event: PaymentEvent): Promise<PaymentEventOutcome> {
    this.calls.set(event.id, (this.calls.get(event.id) ?? 0) + 1);
    // Holds the row lock a moment, so concurrent deliveries really overlap.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const next = this.script.get(event.id)?.shift() ?? 'processed';
    if (next instanceof Error) throw next;
    return next;
  }
}

describe('POST /webhooks/stripe handing events to the PaymentEventHandler', () => {
  let t: TestApp;
  const handler = new CountingHandler();

  beforeAll(async () => {
    t = await startTestApp({
      env: { STRIPE_WEBHOOK_SECRET: SECRET },
      override: (b) => b.overrideProvider(PaymentEventHandler).useValue(handler),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const deliver = (event: object) => {
    const payload = JSON.stringify(event);
    return t.http
      .post(URL)
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', sign(payload))
      .send(payload);
  };

  test('the same event posted 50 times at once → all 200, stored once, handled once', async () => {
    const event = anEvent();
    const replies = await Promise.all(Array.from({ length: 50 }, () => deliver(event)));
    expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(replies.filter((r) => r.body.status === 'processed')).toHaveLength(1);
    expect(replies.filter((r) => r.body.status === 'duplicate')).toHaveLength(49);
    expect(handler.calls.get(event.id)).toBe(1);
    const rows = await rowsOf(t, event.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'processed', attempts: 1 });
  });

  test('a redelivery after processing → 200 duplicate, not handed over again', async () => {
    const event = anEvent();
    expect((await deliver(event)).body.status).toBe('processed');
    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('duplicate');
    expect(handler.calls.get(event.id)).toBe(1);
  });

  test('a handler failure rolls back, records the error, and the redelivery applies it', async () => {
    const event = anEvent();
    handler.script.set(event.id, [new Error('order table locked'), 'processed']);
    const first = await deliver(event);
    expect(first.status).toBe(500);
    expect((await rowsOf(t, event.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'order table locked',
    });
    const retry = await deliver(event);
    expect(retry.body.status).toBe('processed');
    expect((await rowsOf(t, event.id))[0]).toMatchObject({
      status: 'processed',
      attempts: 2,
      last_error: null,
    });
    expect(handler.calls.get(event.id)).toBe(2);
  });

  test('an event whose preparation goes stale three times → 409 payment-event-busy with Retry-After, recorded failed; the redelivery applies it once', async () => {
    const event = anEvent();
    // A burst of other events on its order, each writing it between the
    // preparation and the lock. Nothing is broken, so no 5xx: Stripe retries a 409 too.
    const stale = () => new StalePreparationError('order o-1');
    handler.script.set(event.id, [stale(), stale(), stale(), 'processed']);
    const busy = await deliver(event);
    expect(busy.status).toBe(409);
    expect(busy.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(busy.headers['retry-after']).toBe('5');
    expect(busy.body).toMatchObject({
      status: 409,
      type: expect.stringMatching(/\/payment-event-busy$/),
    });
    expect((await rowsOf(t, event.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: expect.stringMatching(/kept changing while it was prepared/),
    });
    expect(handler.calls.get(event.id)).toBe(3);

    const retry = await deliver(event);
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('processed');
    expect((await deliver(event)).body.status).toBe('duplicate');
    expect(handler.calls.get(event.id)).toBe(4);
    expect((await rowsOf(t, event.id))[0]).toMatchObject({
      status: 'processed',
      attempts: 2,
      last_error: null,
    });
  });

  test('a failure whose message PostgreSQL could not store as it is is still recorded', async () => {
    const event = anEvent();
    // A NUL, and an emoji across the 2,000-unit cut: kept as they were, the
    // failure's UPDATE failed too, and the event kept no error and no attempt.
    const message = `driver said \u0000${'x'.repeat(1985)}😀😀`;
    handler.script.set(event.id, [new Error(message)]);
    expect((await deliver(event)).status).toBe(500);
    const [row] = await rowsOf(t, event.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row?.last_error).toBe(`driver said ${'x'.repeat(1985)}😀`);
  });

  test('a deferred event is re-applied by reprocessDeferred, once', async () => {
    const refund = anEvent({
      type: 'charge.refunded',
      object: { id: 'ch_deferred_1', object: 'charge', amount: 500, amount_refunded: 500 },
    });
    const other = anEvent({
      type: 'charge.refunded',
      object: { id: 'ch_deferred_2', object: 'charge', amount: 500, amount_refunded: 100 },
    });
    handler.script.set(refund.id, ['deferred', 'processed']);
    handler.script.set(other.id, ['deferred', 'deferred']);
    expect((await deliver(refund)).body.status).toBe('deferred');
    expect((await deliver(other)).body.status).toBe('deferred');
    // A redelivery of a deferred event does not re-apply it by itself.
    expect((await deliver(refund)).body.status).toBe('duplicate');

    const processor = t.get(PaymentEventProcessor);
    const onlyFirst = await processor.reprocessDeferred({ objectId: 'ch_deferred_1' });
    expect(onlyFirst).toEqual({ processed: 1, deferred: 0, ignored: 0, skipped: 0 });
    expect((await rowsOf(t, refund.id))[0]).toMatchObject({ status: 'processed', attempts: 2 });

    const all = await processor.reprocessDeferred();
    expect(all).toEqual({ processed: 0, deferred: 1, ignored: 0, skipped: 0 });
    expect(handler.calls.get(refund.id)).toBe(2);
    expect(handler.calls.get(other.id)).toBe(2);
    expect((await rowsOf(t, other.id))[0]).toMatchObject({
      status: 'deferred',
      processed_at: null,
    });
  });

  test('a deferred event whose re-application fails stays deferred, and the next run applies it', async () => {
    // Stripe was answered 200 for it long ago and never sends it again:
    // the next run is its only way in.
    const flaky = anEvent({
      type: 'charge.refunded',
      object: { id: 'ch_deferred_flaky', object: 'charge', amount: 500, amount_refunded: 500 },
    });
    const later = anEvent({
      type: 'charge.refunded',
      object: { id: 'ch_deferred_later', object: 'charge', amount: 500, amount_refunded: 200 },
    });
    handler.script.set(flaky.id, ['deferred', new Error('connection reset'), 'processed']);
    handler.script.set(later.id, ['deferred', 'processed']);
    expect((await deliver(flaky)).body.status).toBe('deferred');
    expect((await deliver(later)).body.status).toBe('deferred');
    const processor = t.get(PaymentEventProcessor);

    const first = await processor.reprocessDeferred();
    // The failure holds up neither the queue nor the events behind it.
    expect(first.processed).toBeGreaterThanOrEqual(1);
    expect((await rowsOf(t, later.id))[0]).toMatchObject({ status: 'processed' });
    expect((await rowsOf(t, flaky.id))[0]).toMatchObject({
      status: 'deferred',
      attempts: 2,
      last_error: 'connection reset',
    });

    await processor.reprocessDeferred();
    expect((await rowsOf(t, flaky.id))[0]).toMatchObject({
      status: 'processed',
      attempts: 3,
      last_error: null,
    });
    expect(handler.calls.get(flaky.id)).toBe(3);
  });
});

describe('the local Stripe emulator delivers signed webhooks to the API', () => {
  let t: TestApp;
  let emulator: StripeEmulator;
  let gateway: PaymentGateway;

  beforeAll(async () => {
    t = await startTestApp({ env: { STRIPE_WEBHOOK_SECRET: SECRET } });
    ({ emulator } = await webhooksToThisApp(t));
    gateway = t.get(PaymentGateway);
  });
  afterAll(async () => {
    await t?.close();
  });

  const anIntent = () =>
    gateway.createIntent({
      orderId: 'order-e',
      amount: Money.of(2500, 'EUR'),
      idempotencyKey: `k-${Date.now()}-${n++}`,
    });

  async function delivered(eventId: string) {
    const result = await emulator.delivery(eventId);
    expect(result).toMatchObject({ delivered: true, attempts: 1 });
    const [row] = await rowsOf(t, eventId);
    return row;
  }

  test('simulate(succeeded) → payment_intent.succeeded arrives verified and is stored', async () => {
    const intent = await anIntent();
    const event = emulator.simulate(intent.id, 'succeeded');
    const row = await delivered(event.id);
    expect(row).toMatchObject({
      type: 'payment_intent.succeeded',
      object_id: intent.id,
      status: 'ignored',
    });
    expect(row?.payload).toMatchObject({
      object: 'event',
      livemode: false,
      api_version: Stripe.API_VERSION,
      data: {
        object: {
          id: intent.id,
          object: 'payment_intent',
          status: 'succeeded',
          amount: 2500,
          amount_received: 2500,
          currency: 'eur',
          metadata: { orderId: 'order-e' },
          latest_charge: expect.stringMatching(/^ch_/),
        },
      },
    });
  });

  test('the CLI path (control route over HTTP) → payment_intent.payment_failed arrives', async () => {
    const intent = await anIntent();
    const result = await t
      .get(PaymentSimulationService)
      .simulate({ paymentIntentId: intent.id }, 'failed');
    expect(result).toMatchObject({
      paymentIntentId: intent.id,
      eventType: 'payment_intent.payment_failed',
    });
    const row = await delivered(result.eventId);
    expect(row?.payload.data.object).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined' },
    });
  });

  test('cancel → payment_intent.canceled; refund → charge.refunded, each delivered', async () => {
    const unpaid = await anIntent();
    await gateway.cancelIntent(unpaid.id);
    const paid = await anIntent();
    emulator.simulate(paid.id, 'succeeded');
    await gateway.refund({
      paymentIntentId: paid.id,
      amount: Money.of(1000, 'EUR'),
      idempotencyKey: `r-${n++}`,
    });

    // Delivery runs in the background; wait for every event the emulator sent.
    await emulator.idle();
    const types = (await t.get(DataSource).query(
      `SELECT type, payload->'data'->'object' AS object FROM payment_events
        WHERE type IN ('payment_intent.canceled', 'charge.refunded')`,
    )) as { type: string; object: Record<string, unknown> }[];
    expect(types.find((r) => r.type === 'payment_intent.canceled')?.object).toMatchObject({
      id: unpaid.id,
      status: 'canceled',
    });
    expect(types.find((r) => r.type === 'charge.refunded')?.object).toMatchObject({
      object: 'charge',
      payment_intent: paid.id,
      amount_refunded: 1000,
      refunded: false,
    });
  });
});
