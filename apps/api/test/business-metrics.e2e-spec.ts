import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { metricSample } from './support/metrics.js';
import { aPlacedOrder, aStripeEvent, deliver, intentObject } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The shop's own series on /metrics. A file of its own: orders are counted
 * at most every 15 s, so the first scrape must come after the orders here.
 */
describe('GET /metrics: orders and webhook events', () => {
  let t: TestApp;
  let text: string;

  beforeAll(async () => {
    t = await startTestApp();
    const paid = await aPlacedOrder(t, 1, 1500);
    await aPlacedOrder(t, 2, 700);
    const succeeded = aStripeEvent(
      'payment_intent.succeeded',
      intentObject(paid.intentId, paid.total),
    );
    const secret = t.config.stripeWebhookSecret;
    expect((await deliver(t, succeeded, secret)).status).toBe(200);
    expect((await deliver(t, succeeded, secret)).status).toBe(200);
    expect((await deliver(t, succeeded, 'whsec_not_the_shops')).status).toBe(400);
    text = (await t.http.get('/metrics').expect(200)).text;
  });
  afterAll(async () => {
    await t?.close();
  });

  test('minishop_orders counts orders by status, every status reported', async () => {
    const stored = await t.db.rows<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM orders GROUP BY status',
    );
    expect(stored.find((r) => r.status === 'paid')).toBeDefined();
    expect(stored.find((r) => r.status === 'pending_payment')).toBeDefined();
    for (const { status, n } of stored) {
      expect(metricSample(text, 'minishop_orders', { status })).toBe(Number(n));
    }
    expect(metricSample(text, 'minishop_orders', { status: 'refunded' })).toBe(0);
  });

  test('minishop_webhook_events_total counts deliveries by type and what they came to', () => {
    const of = (outcome: string, type = 'payment_intent.succeeded') =>
      metricSample(text, 'minishop_webhook_events_total', { type, outcome });
    expect(of('processed')).toBe(1);
    expect(of('duplicate')).toBe(1);
    expect(of('rejected', 'unverified')).toBe(1);
  });
});
