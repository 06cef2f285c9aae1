import { createHmac, randomBytes } from 'node:crypto';

import { expectStatus, type Scenario } from '../scenario.js';

// The Stripe webhook slot (checkout lives in checkout.ts).

function signed(secret: string, payload: string): string {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** A signed event for an unknown PaymentIntent, new id each time: verified, stored, acknowledged. */
export const stripeWebhook: Scenario = {
  name: 'POST /webhooks/stripe',
  target: 'api',
  setup: async (ctx) => {
    const event = () =>
      JSON.stringify({
        id: `evt_bench_${randomBytes(8).toString('hex')}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: `pi_bench_${randomBytes(8).toString('hex')}`,
            object: 'payment_intent',
            amount: 1299,
            currency: 'eur',
            status: 'succeeded',
            metadata: {},
          },
        },
      });
    const probe = event();
    const reply = await ctx.http('POST', '/api/v1/webhooks/stripe', JSON.parse(probe), {
      'stripe-signature': signed(ctx.stripeWebhookSecret, probe),
    });
    expectStatus(reply, 200, 'POST /webhooks/stripe');
    return [
      {
        method: 'POST',
        path: '/api/v1/webhooks/stripe',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          const body = event();
          return {
            ...req,
            body,
            headers: { ...req.headers, 'stripe-signature': signed(ctx.stripeWebhookSecret, body) },
          };
        },
      },
    ];
  },
};
