import { EmulatorError, integerParam, type Params } from './emulator-store.js';
import type { DeliveryResult, EmulatedEvent } from './webhook-dispatcher.js';

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;
/** Event types one listing may name in `types`, as at Stripe. */
const MAX_TYPES = 20;
/** Delivered events whose place is kept for `starting_after` (about a megabyte). */
const MAX_DELIVERED_PLACES = 10_000;

/**
 * The events whose webhook has not been delivered yet, still being retried
 * or given up on, as Stripe lists them for `GET /v1/events?delivery_success=false`:
 * how a shop catches up on events its endpoint missed. Delivered events are
 * forgotten, so memory holds only what went wrong.
 */
export class UndeliveredEvents {
  /** In creation order, each with its place in that order. */
  private readonly events = new Map<string, { event: EmulatedEvent; at: number }>();
  /**
   * The places of recently delivered events: a page may start after an
   * event delivered since the page before, as at Stripe.
   */
  private readonly delivered = new Map<string, number>();
  private next = 0;

  add(event: EmulatedEvent, delivery: Promise<DeliveryResult>): void {
    const at = this.next++;
    this.events.set(event.id, { event, at });
    void delivery.then((result) => {
      if (!result.delivered) return;
      this.events.delete(event.id);
      this.delivered.set(event.id, at);
      if (this.delivered.size > MAX_DELIVERED_PLACES) {
        const oldest = this.delivered.keys().next().value;
        if (oldest !== undefined) this.delivered.delete(oldest);
      }
    });
  }

  /** Stripe's list object, newest first, paged with `limit` and `starting_after`. */
  list(query: Params): {
    object: 'list';
    data: EmulatedEvent[];
    has_more: boolean;
    url: string;
  } {
    if (query.delivery_success !== 'false') {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        'The emulator lists only undelivered events: send delivery_success=false.',
        'parameter_missing',
        'delivery_success',
      );
    }
    // `created[gte]=n`, or `created=n` for that second only, as Stripe reads them.
    const range = query.created !== null && typeof query.created === 'object';
    const since = integerParam(
      { created: range ? (query.created as Params).gte : query.created },
      'created',
      false,
    );
    const exact = range ? undefined : since;
    const limit = integerParam(query, 'limit', false) ?? DEFAULT_LIMIT;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `limit must be between 1 and ${MAX_LIMIT}.`,
        'parameter_invalid_integer',
        'limit',
      );
    }
    const types = typesParam(query);
    let newestFirst = [...this.events.values()].reverse();
    if (types !== undefined) newestFirst = newestFirst.filter((e) => types.has(e.event.type));
    if (since !== undefined) {
      newestFirst = newestFirst.filter(
        (e) => e.event.created >= since && (exact === undefined || e.event.created === exact),
      );
    }
    const after = query.starting_after;
    if (after !== undefined) {
      const place =
        typeof after === 'string'
          ? (this.events.get(after)?.at ?? this.delivered.get(after))
          : undefined;
      if (place === undefined) {
        throw new EmulatorError(
          400,
          'invalid_request_error',
          `No such event: '${String(after)}'`,
          'resource_missing',
          'starting_after',
        );
      }
      newestFirst = newestFirst.filter((e) => e.at < place);
    }
    return {
      object: 'list',
      data: newestFirst.slice(0, limit).map((e) => e.event),
      has_more: newestFirst.length > limit,
      url: '/v1/events',
    };
  }
}

/**
 * `types[]` as Stripe reads it: one to 20 event types, each named in full
 * (the SDK sends `types[0]=…&types[1]=…`); undefined lists every type.
 * Stripe takes `type` or `types`, not both.
 */
function typesParam(query: Params): ReadonlySet<string> | undefined {
  const types = query.types;
  if (types === undefined) return undefined;
  // qs makes an object, not an array, of indices past 20: too many either way.
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    types.length > MAX_TYPES ||
    !types.every((t) => typeof t === 'string' && t.length > 0)
  ) {
    throw new EmulatorError(
      400,
      'invalid_request_error',
      `types must be an array of 1 to ${MAX_TYPES} event types.`,
      undefined,
      'types',
    );
  }
  if (query.type !== undefined) {
    throw new EmulatorError(
      400,
      'invalid_request_error',
      'You may pass either type or types, but not both.',
      undefined,
      'type',
    );
  }
  return new Set(types as string[]);
}
