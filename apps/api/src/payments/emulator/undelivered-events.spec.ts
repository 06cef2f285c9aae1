import { describe, expect, test } from '@jest/globals';

import { EmulatorError } from './emulator-store.js';
import { UndeliveredEvents } from './undelivered-events.js';
import type { DeliveryResult, EmulatedEvent } from './webhook-dispatcher.js';

const anEvent = (
  id: string,
  created: number,
  type = 'payment_intent.succeeded',
): EmulatedEvent => ({
  id,
  object: 'event',
  api_version: '2025-01-01',
  created,
  data: { object: { id: `pi_${id}` } },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
});

/** A delivery the test settles: `settle(true)` delivers it. */
function aDelivery(): { promise: Promise<DeliveryResult>; settle(delivered: boolean): void } {
  let resolve!: (result: DeliveryResult) => void;
  const promise = new Promise<DeliveryResult>((r) => (resolve = r));
  return {
    promise,
    settle: (delivered) => resolve({ delivered, attempts: 1, last: delivered ? '200' : '500' }),
  };
}

function stripeError(fn: () => unknown): EmulatorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EmulatorError) return error;
    throw error;
  }
  throw new Error('expected a Stripe error');
}

const ids = (list: { data: EmulatedEvent[] }) => list.data.map((e) => e.id);

describe('UndeliveredEvents', () => {
  test('lists pending and given-up events newest first; a delivered one is forgotten', async () => {
    const events = new UndeliveredEvents();
    const [a, b, c] = [aDelivery(), aDelivery(), aDelivery()];
    events.add(anEvent('evt_1', 100), a.promise);
    events.add(anEvent('evt_2', 101), b.promise);
    events.add(anEvent('evt_3', 102), c.promise);
    a.settle(false);
    b.settle(true);
    await Promise.all([a.promise, b.promise]);

    const list = events.list({ delivery_success: 'false' });
    expect(ids(list)).toEqual(['evt_3', 'evt_1']);
    expect(list).toMatchObject({ object: 'list', has_more: false, url: '/v1/events' });
  });

  test('pages with limit and starting_after, and keeps to created[gte]', () => {
    const events = new UndeliveredEvents();
    for (let i = 1; i <= 5; i++) events.add(anEvent(`evt_${i}`, 100 + i), aDelivery().promise);

    const first = events.list({ delivery_success: 'false', limit: '2' });
    expect(ids(first)).toEqual(['evt_5', 'evt_4']);
    expect(first.has_more).toBe(true);
    const second = events.list({ delivery_success: 'false', limit: '2', starting_after: 'evt_4' });
    expect(ids(second)).toEqual(['evt_3', 'evt_2']);
    expect(second.has_more).toBe(true);
    const last = events.list({ delivery_success: 'false', limit: '2', starting_after: 'evt_2' });
    expect(ids(last)).toEqual(['evt_1']);
    expect(last.has_more).toBe(false);

    expect(ids(events.list({ delivery_success: 'false', created: { gte: '104' } }))).toEqual([
      'evt_5',
      'evt_4',
    ]);
    expect(ids(events.list({ delivery_success: 'false', created: '104' }))).toEqual(['evt_4']);
  });

  test('a page may start after an event delivered since the page before', async () => {
    const events = new UndeliveredEvents();
    const deliveries = [aDelivery(), aDelivery(), aDelivery()];
    deliveries.forEach((d, i) => events.add(anEvent(`evt_${i + 1}`, 100 + i), d.promise));
    expect(ids(events.list({ delivery_success: 'false', limit: '2' }))).toEqual(['evt_3', 'evt_2']);
    deliveries[1]!.settle(true);
    await deliveries[1]!.promise;
    expect(ids(events.list({ delivery_success: 'false', starting_after: 'evt_2' }))).toEqual([
      'evt_1',
    ]);
  });

  test('lists only the types named in types[], paging among them', () => {
    const events = new UndeliveredEvents();
    const types = ['payment_intent.created', 'payment_intent.succeeded', 'charge.refunded'];
    for (let i = 1; i <= 6; i++) {
      events.add(anEvent(`evt_${i}`, 100 + i, types[i % 3]), aDelivery().promise);
    }
    const wanted = {
      delivery_success: 'false',
      types: ['payment_intent.succeeded', 'charge.refunded'],
    };

    expect(ids(events.list(wanted))).toEqual(['evt_5', 'evt_4', 'evt_2', 'evt_1']);
    const first = events.list({ ...wanted, limit: '2' });
    expect(ids(first)).toEqual(['evt_5', 'evt_4']);
    expect(first.has_more).toBe(true);
    // After an event of another type, too: the place is the event's, whatever its type.
    expect(ids(events.list({ ...wanted, starting_after: 'evt_3' }))).toEqual(['evt_2', 'evt_1']);
    expect(
      ids(events.list({ delivery_success: 'false', types: ['payment_intent.created'] })),
    ).toEqual(['evt_6', 'evt_3']);
    expect(events.list({ delivery_success: 'false', types: ['customer.created'] })).toMatchObject({
      data: [],
      has_more: false,
    });
  });

  test('refuses what it cannot answer as Stripe refuses a bad parameter', () => {
    const events = new UndeliveredEvents();
    events.add(anEvent('evt_1', 100), aDelivery().promise);
    expect(stripeError(() => events.list({}))).toMatchObject({
      status: 400,
      param: 'delivery_success',
    });
    expect(
      stripeError(() => events.list({ delivery_success: 'false', limit: '101' })),
    ).toMatchObject({ status: 400, code: 'parameter_invalid_integer', param: 'limit' });
    expect(
      stripeError(() => events.list({ delivery_success: 'false', created: { gte: 'soon' } })),
    ).toMatchObject({ status: 400, param: 'created' });
    expect(
      stripeError(() => events.list({ delivery_success: 'false', starting_after: 'evt_gone' })),
    ).toMatchObject({ status: 400, code: 'resource_missing', param: 'starting_after' });
    // More than 20 types (qs makes an object of indices past 20), no array, or an empty name.
    const many = Array.from({ length: 21 }, (_, i) => `type.${i}`);
    for (const types of [many, { 21: 'charge.refunded' }, 'charge.refunded', ['']]) {
      expect(stripeError(() => events.list({ delivery_success: 'false', types }))).toMatchObject({
        status: 400,
        param: 'types',
      });
    }
    expect(
      stripeError(() =>
        events.list({
          delivery_success: 'false',
          type: 'charge.refunded',
          types: ['charge.refunded'],
        }),
      ),
    ).toMatchObject({ status: 400, param: 'type' });
  });
});
